"""A class proposal's reason in words, in the reader's language, from the facts it keeps."""

from django.utils.translation import gettext


def reason_lines(proposal) -> list[str]:
    facts = proposal.facts or {}
    lines = []
    if facts.get("grade") or facts.get("total") is not None:
        lines.append(gettext("Score %(total)s under “%(model)s”: grade %(grade)s.") % {
            "total": facts.get("total"), "model": facts.get("model", ""),
            "grade": facts.get("grade") or "–"})
    if proposal.change_abc:
        days, limit = facts.get("days_since"), facts.get("recency_days")
        if days is None:
            lines.append(gettext("No order in the last 12 months."))
        elif limit is not None and days > limit:
            lines.append(gettext("No order for %(days)s days (more than %(limit)s): at most C.")
                         % {"days": days, "limit": limit})
        else:
            lines.append(gettext("Order value ¥%(value)s over 12 months in %(orders)s orders, "
                                 "the last %(days)s days ago.") % {
                "value": facts.get("value_12m"), "orders": facts.get("orders_12m"),
                "days": days})
        if facts.get("a_cut"):
            lines.append(gettext("A from ¥%(a_cut)s (the customers who make the first "
                                 "%(a_share)s%% of the company's order value), B from "
                                 "¥%(b_cut)s (up to %(b_share)s%%).") % {
                "a_cut": facts.get("a_cut"), "a_share": facts.get("a_share"),
                "b_cut": facts.get("b_cut") or "–", "b_share": facts.get("b_share")})
    return lines
