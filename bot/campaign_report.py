"""Campaigns in words: audience, schedule and reminder policy, and the response-rate lines of
/campaigns (also meant for the admin digest: `rates_lines`)."""

from __future__ import annotations

from dialogs.campaign import CampaignSpec
from dialogs.i18n import Language, t
from storage.campaigns import CampaignRates


def audience_text(spec: CampaignSpec, language: Language) -> str:
    """Whom the campaign invites."""
    audience = spec.audience
    if audience.kind == "tag":
        return t(language, "campaign_audience_tag", tag=audience.tag)
    if audience.kind == "ids":
        return t(language, "campaign_audience_ids", count=len(audience.ids))
    if audience.kind == "api":
        return t(language, "campaign_audience_api")
    if audience.kind == "served" and audience.days is not None:
        return t(language, "campaign_audience_served_days", days=audience.days)
    if audience.kind == "served" and audience.since is not None:
        return t(language, "campaign_audience_served_since", since=f"{audience.since:%Y-%m-%d}")
    return t(language, "campaign_choice_all")


def reminders_text(spec: CampaignSpec, language: Language) -> str:
    """The reminder policy."""
    policy = spec.reminders
    if policy.max == 0:
        return t(language, "campaign_reminders_none")
    return t(language, "campaign_reminders_policy", after=f"{policy.after_hours:g}", max=policy.max)


def rates_lines(rates: list[CampaignRates], language: Language) -> list[str]:
    """One paragraph per campaign: the funnel invited → opened → started → completed, and what failed."""
    lines = []
    for rate in rates:
        spec = CampaignSpec.model_validate(rate.campaign.spec)
        response_rate = rate.response_rate
        lines.append(
            t(
                language,
                "campaign_list_line",
                name=rate.campaign.name,
                survey=rate.campaign.survey_key,
                status=t(language, f"campaign_status_{rate.campaign.status}"),
                audience=audience_text(spec, language),
                schedule=t(language, f"campaign_schedule_{spec.schedule.cycle}"),
                invited=rate.invited,
                opened=rate.opened,
                started=rate.started,
                completed=rate.completed,
                rate=t(language, "campaign_rate_none") if response_rate is None else f"{response_rate:.0%}",
                reminded=rate.reminded,
                pending=rate.pending,
                opted_out=rate.opted_out,
                blocked=rate.blocked,
                failed=rate.failed,
                fatigued=rate.fatigued,
                unsampled=rate.unsampled,
            )
        )
    return lines
