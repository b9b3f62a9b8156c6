"""The dashboard page, rendered on the server: figures, charts as inline SVG, and the tables
(each with its CSV link). The page works without JavaScript except for its two buttons."""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlencode

from agent.insight import charts
from agent.insight.report import Report, Table, tables

CHANNELS = ("messenger", "instagram", "x")


def _duration(seconds: float | None, w: dict[str, str]) -> str:
    if seconds is None:
        return "—"
    if seconds < 120:
        return w["seconds"].format(n=f"{seconds:.0f}" if seconds >= 10 else f"{seconds:.1f}")
    if seconds < 7200:
        return w["minutes"].format(n=f"{seconds / 60:.0f}")
    return w["hours"].format(n=f"{seconds / 3600:.1f}")


def _bucket(ms: int | None, replied: int, w: dict[str, str]) -> str:
    """A histogram quantile is a bucket's upper bound: shown as "≤ 2 s"."""
    if not replied:
        return "—"
    if ms is None:
        return w["over"].format(n=_duration(300, w))
    return "≤ " + _duration(ms / 1000, w)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _card(test_id: str, label: str, value: str, detail: str = "") -> str:
    extra = f'<span class="detail">{escape(detail)}</span>' if detail else ""
    return (
        f'<div class="card" data-testid="kpi-{test_id}"><span class="label">{escape(label)}'
        f'</span><span class="value">{escape(value)}</span>{extra}</div>'
    )


def _table(table: Table, query: str, w: dict[str, str], *, limit: int | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in table.headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if c is None else str(c))}</td>" for c in row) + "</tr>"
        for row in table.rows[:limit]
    )
    return (
        f'<details class="table" data-testid="table-{table.key}"><summary>{escape(table.title)}'
        f' <a href="/console/insight/export/{table.key}.csv?{escape(query)}" '
        f'data-testid="csv-{table.key}" download>{escape(w["csv"])}</a></summary>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></details>"
    )


def _panel(title: str, chart: str, table: str = "", wide: bool = False) -> str:
    cls = "panel wide" if wide else "panel"
    return f'<section class="{cls}"><h2>{escape(title)}</h2>{chart}{table}</section>'


def render(
    report: Report,
    w: dict[str, str],
    *,
    language: str,
    who: str,
    csrf: str,
    refreshed: datetime | None,
) -> str:
    f = report.filters
    query = urlencode(
        {
            "from": f.start.isoformat(),
            "to": f.end.isoformat(),
            "channel": f.channel or "",
            "lang": language,
        }
    )
    by_table = tables(report, w)
    t, b, c, p = report.trend, report.bot, report.containment, report.people
    labels = [d.strftime("%m-%d") for d in t.days]
    empty = w["no_data"]
    escalation_rate = p.escalations / c.conversations if c.conversations else None
    cards = "".join(
        [
            _card("messages", w["messages"], f"{report.volume.total:,}"),
            _card("containment", w["containment"], _pct(c.rate), f"{c.conversations:,}"),
            _card(
                "escalation-rate", w["escalation_rate"], _pct(escalation_rate), f"{p.escalations:,}"
            ),
            _card(
                "bot-reply",
                w["bot_reply"],
                _bucket(b.p50_ms, b.replied, w),
                f"{w['within_5s']}: {_pct(b.within_5s)}",
            ),
            _card(
                "human-reply",
                w["human_reply"],
                _duration(p.first_reply_p50_s, w),
                f"{p.awaiting_reply} {w['awaiting']}",
            ),
            _card("resolution", w["resolution"], _duration(p.resolution_p50_s, w)),
            _card(
                "csat",
                w["csat"],
                "—" if p.csat_mean is None else f"{p.csat_mean:.2f} / 5",
                f"{p.csat_responses} {w['responses']}",
            ),
        ]
    )

    def bar(key: str, title: str, points: list[tuple[str, float]], **kw: object) -> str:
        return charts.bar_chart(points, title=title, chart_id=key, empty_text=empty, **kw)  # type: ignore[arg-type]

    weekdays = w["weekdays"].split(",")
    panels = [
        _panel(
            w["volume_by_day"],
            charts.line_chart(
                labels,
                {w["messages"]: [float(n) for n in t.messages]},
                title=w["volume_by_day"],
                chart_id="daily",
                empty_text=empty,
                value_format="{:,.0f}",
                y_min=0,
                width=1200,
                height=280,
            ),
            _table(by_table["daily"], query, w),
            wide=True,
        ),
        _panel(
            w["volume_by_channel"],
            bar("channels", w["volume_by_channel"], [(k, n) for k, n in report.volume.by_channel]),
            _table(by_table["channels"], query, w),
        ),
        _panel(
            w["volume_by_language"],
            bar(
                "languages",
                w["volume_by_language"],
                [(k or w["unknown"], n) for k, n in report.volume.by_language],
            ),
            _table(by_table["languages"], query, w),
        ),
        _panel(
            w["volume_by_topic"],
            bar(
                "topics",
                w["volume_by_topic"],
                [(k or w["unclassified"], n) for k, n in report.volume.by_topic],
                horizontal=True,
                height=360,
            ),
            _table(by_table["topics"], query, w),
        ),
        _panel(
            w["volume_by_hour"],
            bar("hours", w["volume_by_hour"], [(f"{h}", n) for h, n in enumerate(t.by_hour)]),
            _table(by_table["hours"], query, w),
        ),
        _panel(
            w["volume_by_weekday"],
            bar(
                "weekdays",
                w["volume_by_weekday"],
                [(weekdays[d], n) for d, n in enumerate(t.by_weekday)],
            ),
            _table(by_table["weekdays"], query, w),
        ),
        _panel(
            w["sentiment_trend"],
            charts.line_chart(
                labels,
                {w["sentiment"]: t.sentiment, w["negative_share"]: t.negative_share},
                title=w["sentiment_trend"],
                chart_id="sentiment",
                empty_text=empty,
                value_format="{:,.2f}",
                y_min=-1,
                y_max=1,
            ),
        ),
        _panel(
            w["containment_trend"],
            charts.line_chart(
                labels,
                {w["containment"]: [None if r is None else r * 100 for r in c.daily_rate]},
                title=w["containment_trend"],
                chart_id="containment",
                unit="%",
                empty_text=empty,
                y_min=0,
                y_max=100,
            ),
        ),
        _panel(
            w["reasons"],
            bar("reasons", w["reasons"], list(p.reasons), horizontal=True),
            _table(by_table["reasons"], query, w),
        ),
        _panel(
            w["teams"], bar("teams", w["teams"], list(p.teams)), _table(by_table["teams"], query, w)
        ),
        _panel(
            w["sla"],
            charts.stacked_bar_chart(
                [r.priority for r in p.sla],
                {
                    w["met"]: [float(r.met) for r in p.sla],
                    w["breached"]: [float(r.breached) for r in p.sla],
                    w["pending"]: [float(r.pending) for r in p.sla],
                },
                title=w["sla"],
                chart_id="sla",
                empty_text=empty,
            ),
            _table(by_table["sla"], query, w, limit=None),
        ),
        _panel(
            w["csat_distribution"],
            bar(
                "csat",
                w["csat_distribution"],
                [(str(s), n) for s, n in enumerate(p.csat_distribution, start=1)],
            ),
            _table(by_table["csat"], query, w),
        ),
        _panel(w["response_times"], "", _table(by_table["response_times"], query, w)),
    ]
    return _PAGE.format(
        lang=escape(language),
        title=escape(w["title"]),
        console=escape(w["console"]),
        who=escape(who),
        csrf=escape(csrf),
        toggle=escape(w["language_toggle"]),
        toggle_href=escape(
            "?"
            + urlencode(
                {
                    "from": f.start.isoformat(),
                    "to": f.end.isoformat(),
                    "channel": f.channel or "",
                    "lang": "en" if language == "ja" else "ja",
                }
            )
        ),
        filters=_filters(report, w, language),
        refreshed=escape(
            w["refreshed"].format(
                time=refreshed.astimezone(f.tz).strftime("%Y-%m-%d %H:%M") if refreshed else "—"
            )
        ),
        alerts=_alerts(report, w),
        cards=cards,
        panels="".join(panels),
        unanswered=_unanswered(report, w, query, by_table["unanswered"]),
        strings=escape(w["draft_started"]),
    )


def _filters(report: Report, w: dict[str, str], language: str) -> str:
    f = report.filters
    options = [f'<option value="">{escape(w["all_channels"])}</option>'] + [
        f'<option value="{ch}"{" selected" if f.channel == ch else ""}>{ch}</option>'
        for ch in CHANNELS
    ]
    return (
        '<form method="get" class="filters" data-testid="filters">'
        f'<input type="hidden" name="lang" value="{escape(language)}">'
        f'<label>{escape(w["from"])} <input type="date" name="from" value="{f.start.isoformat()}" '
        'data-testid="from"></label>'
        f'<label>{escape(w["to"])} <input type="date" name="to" value="{f.end.isoformat()}" '
        'data-testid="to"></label>'
        f'<label>{escape(w["channel"])} <select name="channel" data-testid="channel">'
        f"{''.join(options)}</select></label>"
        f'<button type="submit" data-testid="apply">{escape(w["apply"])}</button></form>'
    )


def _alerts(report: Report, w: dict[str, str]) -> str:
    if not report.alerts:
        return f'<p class="quiet" data-testid="no-alerts">{escape(w["no_alerts"])}</p>'
    items = []
    for a in report.alerts:
        examples = "".join(
            f"<li>{escape(str(e.get('text', '')))}</li>" for e in a.payload.get("examples", [])
        )
        done = a.acknowledged_at is not None
        button = (
            f'<span class="badge">{escape(w["acknowledged"])}</span>'
            if done
            else f'<button data-ack="{a.id}" data-testid="ack">{escape(w["acknowledge"])}</button>'
        )
        items.append(
            f'<div class="alert{" done" if done else ""}" data-testid="alert" '
            f'data-subject="{escape(a.subject)}">'
            f"<strong>{escape(a.subject)}</strong>"
            f"{escape(' + ' + ', '.join(a.related)) if a.related else ''}"
            f" — {a.customers} {escape(w['customers'])}, "
            f"{a.messages} {escape(w['messages'])} ({escape(w['baseline'])}: "
            f"{a.baseline_mean:.1f}) · {escape(a.created_at.isoformat(timespec='minutes'))} "
            f"· {escape(w['webhook'])}: {escape(a.webhook_status)} {button}"
            f'<ul class="examples">{examples}</ul></div>'
        )
    return "".join(items)


def _unanswered(report: Report, w: dict[str, str], query: str, table: Table) -> str:
    rows = []
    for g in report.unanswered:
        wordings = "".join(f"<li>{escape(x)}</li>" for x in g.wordings[1:])
        rows.append(
            f'<tr data-testid="unanswered-row"><td>{escape(g.representative.text)}'
            f'<ul class="examples">{wordings}</ul></td><td>{g.count}</td>'
            f"<td>{escape(' '.join(g.languages))}</td>"
            f'<td><button data-draft="{",".join(str(i) for i in g.message_ids[:50])}" '
            f'data-language="{escape(g.representative.language)}" data-testid="start-draft">'
            f"{escape(w['start_draft'])}</button></td></tr>"
        )
    body = "".join(rows) or f'<tr><td colspan="4">{escape(w["no_data"])}</td></tr>'
    link = (
        f'<a href="/console/insight/export/{table.key}.csv?{escape(query)}" '
        f'data-testid="csv-{table.key}" download>{escape(w["csv"])}</a>'
    )
    return (
        f'<section class="panel wide" data-testid="unanswered"><h2>{escape(w["unanswered"])} '
        f"{link}</h2><table><thead><tr><th>{escape(w['question'])}</th><th>{escape(w['count'])}"
        f"</th><th>{escape(w['languages'])}</th><th></th></tr></thead><tbody>{body}</tbody>"
        "</table></section>"
    )


_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="{csrf}">
<meta name="draft-started" content="{strings}">
<title>Tsuyu Botanicals — {title}</title>
<link rel="stylesheet" href="/console/static/console.css">
<link rel="stylesheet" href="/console/static/insight.css">
</head>
<body>
<header>
  <a href="/console/insight" id="brand">Tsuyu Botanicals — {title}</a>
  <a href="/console" class="nav">{console}</a>
  <span data-testid="who">{who}</span>
  <a href="{toggle_href}" class="nav" data-testid="lang-toggle">{toggle}</a>
</header>
<main class="insight">
{filters}
<p class="quiet" data-testid="refreshed">{refreshed}</p>
<section class="alerts" data-testid="alerts">{alerts}</section>
<div class="cards">{cards}</div>
<div class="panels">{panels}</div>
{unanswered}
</main>
<p id="flash" data-testid="flash" role="status"></p>
<script src="/console/static/insight.js"></script>
</body>
</html>
"""
