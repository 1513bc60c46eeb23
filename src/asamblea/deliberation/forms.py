"""Forms of the deliberation pages: they parse and check shapes; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from asamblea.deliberation.models import Motion, QuorumBasis, Threshold, Uptake

LOCAL_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MotionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Text of the motion"), widget=forms.Textarea(attrs={"rows": 6}))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Motion.Kind.MOTION, _("A motion: yes, no or abstain")),
            (Motion.Kind.OPTIONS, _("A choice among options, by ranked vote")),
        ],
        initial=Motion.Kind.MOTION,
        widget=forms.RadioSelect,
    )
    options = forms.CharField(
        label=_("Options, one a line (for a choice among options)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def option_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


class AmendmentForm(forms.Form):
    text = forms.CharField(
        label=_("The motion's text as you propose it"), widget=forms.Textarea(attrs={"rows": 6})
    )


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Your comment"), widget=forms.Textarea(attrs={"rows": 3}))


class RuleForm(forms.Form):
    """The rule a vote is taken under (threshold and quorum)."""

    threshold = forms.ChoiceField(label=_("Majority needed"), choices=Threshold.choices)
    quorum_basis = forms.ChoiceField(label=_("Quorum of"), choices=QuorumBasis.choices)
    quorum_share = forms.CharField(label=_("Quorum share (e.g. 1/2)"), initial="1/2", max_length=9)
    quorum_strict = forms.ChoiceField(
        label=_("Present must be"),
        choices=[("more", _("more than the share")), ("least", _("at least the share"))],
        initial="more",
    )
    closes_at = forms.DateTimeField(
        label=_("Closes by itself at (optional)"),
        required=False,
        widget=LOCAL_INPUT,
        input_formats=LOCAL_FORMATS,
    )

    def rule_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "threshold": data["threshold"],
            "quorum_basis": data["quorum_basis"],
            "quorum_share": data["quorum_share"],
            "quorum_strict": data["quorum_strict"] == "more",
        }


class OpenVoteForm(RuleForm):
    secret = forms.BooleanField(label=_("Secret ballot"), required=False)


class MandateForm(forms.Form):
    secret = forms.BooleanField(label=_("Secret ballot (assemblies only)"), required=False)


class ReferendumForm(RuleForm):
    closes_at = forms.DateTimeField(
        label=_("Voting closes at"), widget=LOCAL_INPUT, input_formats=LOCAL_FORMATS
    )


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=LOCAL_INPUT, input_formats=LOCAL_FORMATS
    )

    def __init__(self, *args: Any, motions: list[Motion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["motions"] = forms.MultipleChoiceField(
            label=_("Agenda"),
            choices=[(str(m.pk), m.title) for m in motions],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title of the call"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=LOCAL_INPUT, input_formats=LOCAL_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=LOCAL_INPUT, input_formats=LOCAL_FORMATS
    )

    def __init__(self, *args: Any, regions: list[Any], sectors: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regions"] = forms.MultipleChoiceField(
            label=_("Only under these bodies (none: the whole tree)"),
            choices=[(b.slug, b.name) for b in regions],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        self.fields["sectors"] = forms.MultipleChoiceField(
            label=_("Only these sectors (none: every sector)"),
            choices=[(s.key, s.name) for s in sectors],
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )


class UptakeForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Did your body join?"),
        choices=[
            (Uptake.Status.JOINED, _("Joined")),
            (Uptake.Status.PARTLY, _("Partly joined")),
            (Uptake.Status.NOT, _("Did not join")),
        ],
        widget=forms.RadioSelect,
    )
    number = forms.IntegerField(label=_("How many took part"), required=False, min_value=0)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
