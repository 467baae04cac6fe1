from __future__ import annotations

from django import forms
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from agencies.selectors import published_identifier_keys
from audits.forms_partb import LongLineField, LongTextField
from audits.identifiers import find_identifiers, identifier_key

from .models import Briefing, BriefingSection, Feedback
from .selectors import SEARCH_MAX_CHARS
from .services import DETAILS, SECTION_MAX_CHARS, WITHDRAWAL_REASON_MAX_CHARS

BODY_HELP = _(
    "Plain text. Leave a blank line between paragraphs. Start a line with “- ” for a bullet point or “1. ” for a "
    "numbered point (an indented line below it adds a note, such as the owner; an indented “- ” or “a) ”, a point "
    "within it). “## ” starts a titled block; a line of “---” ends it. "
    "**Bold** and [a link](https://…) work; web and e-mail addresses become links. Anything else, HTML "
    "included, is printed exactly as typed."
)


class BriefingDetailsForm(forms.ModelForm):
    # What the page showed (see briefing_update_details): only the fields changed from it are saved.
    title_shown = forms.CharField(required=False, max_length=250, strip=False, widget=forms.HiddenInput)
    audience_shown = forms.CharField(required=False, max_length=300, strip=False, widget=forms.HiddenInput)

    class Meta:
        model = Briefing
        fields = ["title", "audience"]
        field_classes = {"title": LongLineField, "audience": LongLineField}  # counted, not cut off

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in DETAILS:
            self.fields[f"{name}_shown"].initial = getattr(self.instance, name)

    def shown(self) -> dict[str, str | None]:
        """What the page showed, field by field (None: not sent, so taken as changed)."""
        return {name: self.cleaned_data[f"{name}_shown"] if f"{name}_shown" in self.data else None for name in DETAILS}


class SectionForm(forms.ModelForm):
    body = forms.CharField(
        label=_("Text"), required=False, max_length=SECTION_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 8})
    )

    # The section's version the editor started from (its last save time): see SectionConflict.
    based_on = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    class Meta:
        model = BriefingSection
        fields = ["heading", "body", "hidden"]
        field_classes = {"heading": LongLineField}  # counted, not cut off

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.fields["based_on"].initial = self.instance.updated_at.isoformat()
        key = self.instance.key or "new"
        # Every section's form is on one page: ids must be unique.
        self.auto_id = f"section-{key}-%s"
        self.fields["body"].help_text = BODY_HELP
        self.fields["body"].widget.attrs["aria-describedby"] = f"section-{key}-body-help"


class FeedbackForm(forms.ModelForm):
    rating = forms.TypedChoiceField(
        label=_("How useful was this briefing?"),
        choices=[
            (5, _("5 – very useful")),
            (4, _("4 – useful")),
            (3, _("3 – fairly useful")),
            (2, _("2 – not very useful")),
            (1, _("1 – not useful")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how useful it was, from 5 to 1.")},
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What did you find useful, what would you change? Please do not include details of any child."),
    )

    class Meta:
        model = Feedback
        fields = ["rating", "comment"]

    def clean_comment(self) -> str:
        """Refused while it holds what the identifier guard flags (an NHS number, a date of birth, a
        postcode, a phone number, an e-mail address…): feedback is read across the partnership and
        must not identify a child. The partnership's own published contacts may be mentioned."""
        comment = self.cleaned_data["comment"]
        found = find_identifiers(comment)
        if found:
            published = published_identifier_keys()
            found = [match for match in found if identifier_key(match) not in published]
        if found:
            raise identifiers_found(
                found,
                _(
                    "This comment includes what looks like %(found)s. Please take out anything that could "
                    "identify a child, then send it again."
                ),
            )
        return comment


def identifiers_found(found, message) -> forms.ValidationError:
    """The error for a text the identifier guard flagged: `message` names what was found as %(found)s."""
    named = get_text_list([f"{match.label} (“{match.text}”)" for match in found], str(_("and")))
    return forms.ValidationError(message, code="identifier", params={"found": named})


class WithdrawForm(forms.Form):
    reason = LongTextField(
        label=_("Why is this version being withdrawn?"),
        max_length=WITHDRAWAL_REASON_MAX_CHARS,
        help_text=_(
            "Kept with the version and shown to the audit's composers. Say what was wrong without repeating "
            "it: for example “Held a child's identifier” or “Wrong edition published”."
        ),
        error_messages={"required": _("Give the reason for withdrawing this version: it is kept with the version.")},
    )

    def clean_reason(self) -> str:
        """Refused while it holds what the identifier guard flags: the reason is kept for good, and
        must not repeat what the version was withdrawn for."""
        reason = self.cleaned_data["reason"]
        found = find_identifiers(reason)
        if found:
            raise identifiers_found(
                found,
                _(
                    "This reason includes what looks like %(found)s. Say what was wrong without repeating "
                    "anything that could identify a child."
                ),
            )
        return reason


class LibraryFilterForm(forms.Form):
    # Not refused for its length (a long title pasted in, up to 250 characters, would have made the whole form
    # invalid and the library list every briefing): cut to what is searched (selectors.SEARCH_WORDS words).
    q = forms.CharField(label=_("Search titles and themes"), required=False)
    theme = forms.ChoiceField(label=_("Theme"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    # Only the briefings whose newest version the reader has not downloaded (new, or corrected since).
    unread = forms.BooleanField(label=_("Not yet read by you"), required=False)

    def __init__(self, *args, themes=(), years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", _("All themes"))] + [(t.slug, t.name) for t in themes]
        self.fields["year"].choices = [("", _("All years"))] + [(y, str(y)) for y in years]

    def clean_q(self) -> str:
        return self.cleaned_data["q"][:SEARCH_MAX_CHARS]
