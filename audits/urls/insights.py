from django.urls import path

from audits.views import insights

# Insights across audits, all under "insights/". None of these paths has the shape of an audit's
# own pages ("<slug>/findings/", "<slug>/recommendations/"…), so an audit whose slug happens to be
# "insights" keeps all of its pages; the list goes before Part B's catch-all "<slug>/".
urlpatterns = [
    path("insights/trends/", insights.trends, name="insights_trends"),
    path("insights/agencies/", insights.agencies, name="insights_agencies"),
    path("insights/agencies/<int:pk>/", insights.agency_profile, name="insights_agency"),
    path("insights/agencies/<int:pk>/report/", insights.agency_report, name="insights_agency_report"),
    path("insights/recommendation-tracker/", insights.tracker, name="insights_tracker"),
    path("insights/recommendation-tracker/board-report/", insights.board_report, name="insights_board_report"),
    path("insights/my-recommendations/", insights.my_recommendations, name="my_recommendations"),
    path("insights/reports/<int:pk>/", insights.report_page, name="insights_report"),
    path("insights/reports/<int:pk>/status/", insights.report_status, name="insights_report_status"),
    path("insights/reports/<int:pk>/download/", insights.report_download, name="insights_report_download"),
    path("insights/reports/<int:pk>/retry/", insights.report_retry, name="insights_report_retry"),
]
