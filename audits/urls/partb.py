from django.urls import path

from audits.views import partb, participants

# Part B. Paths under an audit's slug; Part A owns my-returns/, returns/… and <slug>/chase/….
# The catch-all audit slug (the dashboard) goes last: more specific paths above it.
urlpatterns = [
    path("recommendations/", partb.recommendations_all, name="recommendations_all"),
    path("<slug:slug>/status/", partb.audit_status, name="audit_status"),
    path("<slug:slug>/cancel/", partb.audit_cancel, name="audit_cancel"),
    path("<slug:slug>/session/", partb.session, name="session"),
    path(
        "<slug:slug>/agencies/<int:agency_id>/auditor/",
        participants.participant_auditor,
        name="participant_auditor",
    ),
    path("<slug:slug>/boards/", partb.boards, name="boards"),
    path("<slug:slug>/cases/<int:case_id>/board/", partb.evidence_board, name="evidence_board"),
    path("<slug:slug>/cases/<int:case_id>/judgement/", partb.judgement, name="judgement"),
    path("<slug:slug>/heatmap/", partb.heatmap, name="heatmap"),
    path("<slug:slug>/findings/", partb.findings, name="findings"),
    path("<slug:slug>/findings/add/<str:kind>/", partb.finding_add, name="finding_add"),
    path("<slug:slug>/findings/promote/", partb.finding_promote, name="finding_promote"),
    path("<slug:slug>/findings/<int:finding_id>/", partb.finding_edit, name="finding_edit"),
    path("<slug:slug>/findings/<int:finding_id>/delete/", partb.finding_delete, name="finding_delete"),
    path("<slug:slug>/findings/<int:finding_id>/move/", partb.finding_move, name="finding_move"),
    path("<slug:slug>/recommendations/", partb.recommendations, name="recommendations"),
    path("<slug:slug>/recommendations/<int:rec_id>/", partb.recommendation_edit, name="recommendation_edit"),
    path("<slug:slug>/recommendations/<int:rec_id>/status/", partb.recommendation_status, name="recommendation_status"),
    path("<slug:slug>/export.csv", partb.export_csv, name="export_csv"),
    path("<slug:slug>/export.xlsx", partb.export_xlsx, name="export_xlsx"),
    path("<slug:slug>/", partb.dashboard, name="dashboard"),
]
