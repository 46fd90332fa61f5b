"""Forms of the instructor's pages: a class (its settings and what it covers),
a student roster (CSV), a broadcast; and the student's join code and help request."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from classroom.models import BROADCAST_MAX, HELP_TEXT_MAX, Classroom

MAX_POSITION = 999


class ClassForm(forms.ModelForm):
    """The class's settings; what it covers comes as one position field per
    lesson or chapter (`position-<key>`, empty: not in the class)."""

    class Meta:
        model = Classroom
        fields = ["name", "starts_at", "ends_at", "joining_open", "allow_take_over", "recording"]
        widgets = {
            "starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "ends_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }

    def __init__(self, *args, choices=(), positions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.choices = list(choices)  # [(key, title)] in course order
        self.positions = positions or {}  # {key: position} of what the class covers now
        self.contents: list[str] = []

    def rows(self):
        """(key, title, position) for the template, in course order."""
        submitted = self.data if self.is_bound else None
        for key, title in self.choices:
            position = submitted.get(f"position-{key}", "") if submitted is not None else self.positions.get(key, "")
            yield key, title, position

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must come after the start."))
        chosen = []
        for index, (key, _title) in enumerate(self.choices):
            text = self.data.get(f"position-{key}", "").strip()
            if not text:
                continue
            if not text.isdigit() or not 1 <= int(text) <= MAX_POSITION:
                raise forms.ValidationError(_("Positions are whole numbers from 1 to %(max)s.") % {"max": MAX_POSITION})
            chosen.append((int(text), index, key))
        self.contents = [key for _position, _index, key in sorted(chosen)]
        return cleaned


class RosterForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("One student a line: username, name, email (optional)."))


class BroadcastForm(forms.Form):
    text = forms.CharField(max_length=BROADCAST_MAX, strip=True)


class JoinCodeForm(forms.Form):
    wrong_code = _("No class has this code, or it no longer takes students. Check it with your instructor.")
    code = forms.CharField(
        label=_("Join code"),
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class HelpForm(forms.Form):
    lesson = forms.SlugField(max_length=63, required=False)
    text = forms.CharField(max_length=HELP_TEXT_MAX, required=False, strip=True)
