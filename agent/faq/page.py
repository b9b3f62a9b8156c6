"""The studio's pages, rendered on the server; `studio.js` sends the forms to the JSON API
and shows the checks' findings, the training progress and the "try it" answers."""

from __future__ import annotations

import json
from html import escape

from agent.faq.content import CHANNELS, FaqContent
from agent.faq.i18n import words
from agent.faq.models import FaqAudit, FaqVersion, TrainingJob, VersionStatus
from agent.faq.views import Detail, Overview
from agent.handoff.models import Role, Staff

_APPROVERS = (Role.APPROVER, Role.ADMIN)


def _e(value: object) -> str:
    return escape("" if value is None else str(value))


def _short(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status(version: FaqVersion | None, w: dict[str, str]) -> str:
    if version is None:
        return w["none"]
    return w.get(f"status_{version.status}", version.status)


def _page(
    w: dict[str, str], *, language: str, who: Staff, csrf: str, body: str, toggle: str
) -> str:
    strings = json.dumps({k: v for k, v in w.items()}, ensure_ascii=False)
    return _PAGE.format(
        lang=_e(language),
        csrf=_e(csrf),
        strings=_e(strings),
        title=_e(w["title"]),
        console=_e(w["console"]),
        insight=_e(w["insight"]),
        who=_e(who.name),
        role=_e(who.role),
        toggle_href=_e(toggle),
        toggle=_e(w["language_toggle"]),
        body=body,
    )


def _other(language: str) -> str:
    return "en" if language == "ja" else "ja"


# --- the index ---------------------------------------------------------------------------


def render_index(
    overview: Overview,
    job: TrainingJob | None,
    *,
    can_roll_back: bool,
    language: str,
    who: Staff,
    csrf: str,
) -> str:
    w = words(language)
    rows = "".join(
        f'<tr data-testid="faq-row" data-key="{_e(r.key)}">'
        f'<td><a href="/console/studio/faq/{_e(r.key)}?lang={language}">{_e(r.key)}</a></td>'
        f"<td>{_e(_short((r.live.answers if r.live else {}).get(language)))}</td>"
        f"<td>{_e(r.live.number if r.live else w['none'])}</td>"
        f'<td data-testid="faq-state">{_e(_status(r.open or r.live, w))}</td></tr>'
        for r in overview.rows
    )
    suggestions = "".join(
        f'<li data-testid="suggestion">{_e(" / ".join(s.questions[:3]))} '
        f'<a href="/console/studio/new?draft={s.id}&amp;lang={language}">'
        f"{_e(w['use_suggestion'])}</a></li>"
        for s in overview.suggestions
    )
    can_train = who.role in _APPROVERS
    model = (
        f'<section class="panel" data-testid="model"><h2>{_e(w["model"])}</h2>'
        f'<p data-testid="stale" class="{"stale" if overview.stale else "fresh"}">'
        f"{_e(w['stale'] if overview.stale else w['fresh'])}</p>"
        + (
            f'<button id="retrain" data-testid="retrain">{_e(w["retrain"])}</button>'
            if can_train
            else ""
        )
        + (
            f'<button id="model-rollback" data-testid="model-rollback">'
            f"{_e(w['model_rollback'])}</button>"
            if can_train and can_roll_back
            else ""
        )
        + f'<div id="job" data-testid="job">{_job(job, w)}</div></section>'
    )
    try_it = (
        f'<section class="panel" data-testid="try"><h2>{_e(w["try_it"])}</h2>'
        f'<form id="try-form"><input name="text" maxlength="2000" required '
        f'placeholder="{_e(w["try_hint"])}" data-testid="try-text">'
        f'<button data-testid="try-ask">{_e(w["ask"])}</button></form>'
        f'<div id="try-result" data-testid="try-result"></div></section>'
    )
    voice_panel = (
        f'<section class="panel" data-testid="voice"><details><summary>{_e(w["voice"])}'
        f"</summary>{_voice_form(overview.voice.to_dict(), w, editable=can_train)}"
        "</details></section>"
    )
    body = (
        f'<section class="panel wide"><h2>{_e(w["faqs"])} '
        f'<a class="button" href="/console/studio/new?lang={language}" data-testid="new-faq">'
        f'{_e(w["new_faq"])}</a> <a href="/console/studio/export.zip" data-testid="export">'
        f'{_e(w["export"])}</a></h2><table data-testid="faqs"><thead><tr>'
        f"<th>{_e(w['key'])}</th><th>{_e(w['answer'])}</th><th>{_e(w['live'])}</th>"
        f"<th>{_e(w['state'])}</th></tr></thead><tbody>{rows}</tbody></table></section>"
        + (
            f'<section class="panel"><h2>{_e(w["suggestions"])}</h2><ul>{suggestions}</ul>'
            "</section>"
            if suggestions
            else ""
        )
        + model
        + try_it
        + voice_panel
    )
    return _page(
        w,
        language=language,
        who=who,
        csrf=csrf,
        body=f'<div class="studio">{body}</div>',
        toggle=f"/console/studio?lang={_other(language)}",
    )


def _voice_form(profile: dict[str, object], w: dict[str, str], *, editable: bool) -> str:
    """The brand voice as a form: one field per setting (approvers edit it, others read)."""
    off = "" if editable else " disabled"

    def text(name: str, label: str, value: object) -> str:
        return (
            f'<label>{_e(label)}<input name="{name}" value="{_e(value)}" '
            f'data-testid="voice-{name}"{off}></label>'
        )

    def choice(name: str, label: str, value: object, options: tuple[str, ...]) -> str:
        items = "".join(
            f'<option value="{o}"{" selected" if o == value else ""}>{_e(w["opt_" + o])}</option>'
            for o in options
        )
        return (
            f'<label>{_e(label)}<select name="{name}" data-testid="voice-{name}"{off}>'
            f"{items}</select></label>"
        )

    def lines(name: str, label: str, values: object) -> str:
        joined = "\n".join(str(v) for v in values) if isinstance(values, list) else ""
        return (
            f'<label>{_e(label)}<textarea name="{name}" rows="5" data-testid="voice-{name}"'
            f"{off}>{_e(joined)}</textarea></label>"
        )

    def per(key: str) -> dict[str, object]:
        value = profile.get(key)
        return value if isinstance(value, dict) else {}

    fields = [f'<input type="hidden" name="brand" value="{_e(profile.get("brand"))}">']
    for lang in ("en", "ja"):
        fields.append(text(f"persona_{lang}", f"{w['v_persona']} ({lang})", per("persona")[lang]))
    for key in ("greeting", "sign_off", "acknowledgment"):
        for lang in ("en", "ja"):
            fields.append(text(f"{key}_{lang}", f"{w['v_' + key]} ({lang})", per(key)[lang]))
    register = choice(
        "japanese_register", w["v_register"], profile.get("japanese_register"), ("polite", "casual")
    )
    fields.append(register.replace("<label>", '<label class="wide">', 1))
    for channel in CHANNELS:
        fields.append(
            choice(
                f"emoji_{channel}",
                f"{w['v_emoji']} ({channel})",
                per("emoji")[channel],
                ("allow", "at_most_one", "none"),
            )
        )
        fields.append(
            f'<label>{_e(w["v_max_length"])} ({channel})<input type="number" min="1" '
            f'name="max_length_{channel}" value="{_e(per("max_length")[channel])}" '
            f'data-testid="voice-max_length_{channel}"{off}></label>'
        )
    fields.append(lines("banned_words", w["v_banned"], profile.get("banned_words")))
    fields.append(lines("link_domains", w["v_domains"], profile.get("link_domains")))
    button = (
        f'<div class="actions"><button type="submit" data-testid="save-voice">'
        f"{_e(w['save_voice'])}</button></div>"
        if editable
        else ""
    )
    return (
        f'<form id="voice-form" class="voice">{"".join(fields)}{button}</form>'
        '<ul id="voice-findings" data-testid="voice-findings"></ul>'
    )


def _job(job: TrainingJob | None, w: dict[str, str]) -> str:
    if job is None:
        return ""
    return (
        f'<p><span data-testid="job-status">{_e(job.status)}</span> · '
        f'<span data-testid="job-stage">{_e(job.stage)}</span> '
        f'<progress max="100" value="{job.percent}" data-testid="job-progress"></progress> '
        f'<span data-testid="job-percent">{job.percent}%</span></p>'
        f'<p data-testid="job-message">{_e(job.message)}</p>'
    )


# --- one FAQ -------------------------------------------------------------------------------


def render_detail(detail: Detail, *, language: str, who: Staff, csrf: str) -> str:
    w = words(language)
    open_ = detail.open
    in_review = open_ is not None and open_.status == VersionStatus.IN_REVIEW
    parts = [
        f'<p><a href="/console/studio?lang={language}">← {_e(w["back"])}</a></p>',
        f'<h1 data-testid="faq-key">{_e(detail.key)} <small data-testid="faq-status">'
        f"{_e(_status(open_ or detail.live, w))}</small></h1>",
    ]
    if open_ is not None and open_.review_note and open_.status == VersionStatus.DRAFT:
        parts.append(
            f'<p class="note" data-testid="review-note">'
            f"{_e(w['returned'].format(note=open_.review_note))}</p>"
        )
    if in_review and open_ is not None:
        parts.append(_review(open_, detail, who, w))
    else:
        parts.append(_form(detail.editing(), w, key=detail.key, new=False))
    parts.append(_history(detail, who, w, language))
    parts.append(_audit(detail.audit, detail.names, w))
    return _page(
        w,
        language=language,
        who=who,
        csrf=csrf,
        body='<div class="studio">' + "".join(parts) + "</div>",
        toggle=f"/console/studio/faq/{detail.key}?lang={_other(language)}",
    )


def render_new(content: FaqContent | None, *, language: str, who: Staff, csrf: str) -> str:
    w = words(language)
    body = (
        f'<p><a href="/console/studio?lang={language}">← {_e(w["back"])}</a></p>'
        f"<h1>{_e(w['new_faq'])}</h1>" + _form(content or FaqContent(), w, key="", new=True)
    )
    return _page(
        w,
        language=language,
        who=who,
        csrf=csrf,
        body=f'<div class="studio">{body}</div>',
        toggle=f"/console/studio/new?lang={_other(language)}",
    )


def _area(name: str, label: str, value: str, rows: int = 4) -> str:
    return (
        f'<label>{_e(label)}<textarea name="{name}" rows="{rows}" data-testid="{name}">'
        f"{_e(value)}</textarea></label>"
    )


def _form(content: FaqContent, w: dict[str, str], *, key: str, new: bool) -> str:
    fields = []
    if new:
        fields.append(
            f'<label class="wide">{_e(w["new_key"])}<input name="key" required '
            'pattern="[a-z][a-z0-9_]{1,62}"'
            ' data-testid="key"></label>'
        )
    for lang in ("en", "ja"):
        fields.append(_area(f"answer_{lang}", w[f"answer_{lang}"], content.answers.get(lang, "")))
    variants = []
    for channel in CHANNELS:
        for lang in ("en", "ja"):
            text = (content.variants.get(channel) or {}).get(lang, "")
            variants.append(_area(f"variant_{channel}_{lang}", f"{channel} · {lang}", text, 2))
    opened = " open" if any(content.variants.values()) else ""
    fields.append(
        f'<details class="variants"{opened}><summary>{_e(w["variants"])}</summary>'
        + "".join(variants)
        + "</details>"
    )
    for lang in ("en", "ja"):
        replies = "\n".join(content.quick_replies.get(lang, ()))
        fields.append(_area(f"quick_replies_{lang}", w[f"quick_replies_{lang}"], replies, 2))
    for lang in ("en", "ja"):
        questions = "\n".join(content.questions_in(lang))
        fields.append(_area(f"questions_{lang}", w[f"questions_{lang}"], questions, 8))
    buttons = (
        f'<button type="submit" data-action="create" data-testid="create">{_e(w["create"])}'
        "</button>"
        if new
        else f'<button type="submit" data-action="save" data-testid="save">{_e(w["save"])}</button>'
        f'<button type="button" data-action="submit" data-testid="submit">{_e(w["submit"])}'
        "</button>"
        f'<button type="button" data-action="withdraw" data-testid="withdraw">'
        f"{_e(w['withdraw'])}</button>"
    )
    return (
        f'<form id="faq-form" data-key="{_e(key)}" data-new="{"1" if new else ""}">'
        + "".join(fields)
        + f'<div class="actions">{buttons}</div></form>'
        f'<section class="panel" data-testid="findings-panel"><h2>{_e(w["findings"])}</h2>'
        '<ul id="findings" data-testid="findings"></ul></section>'
    )


def _review(version: FaqVersion, detail: Detail, who: Staff, w: dict[str, str]) -> str:
    author = detail.names.get(version.author_id or 0, "?")
    parts = [
        f'<p data-testid="in-review">{_e(w["in_review_by"].format(name=author))}</p>',
        f'<h2>{_e(w["diff"])}</h2><pre class="diff" data-testid="diff">{_diff(version.diff)}</pre>',
    ]
    if who.role in _APPROVERS:
        if version.author_id == who.id:
            parts.append(f'<p class="note" data-testid="own-change">{_e(w["own_change"])}</p>')
        else:
            parts.append(
                f'<form id="review-form" data-key="{_e(detail.key)}"><label>{_e(w["note"])}'
                '<input name="note" maxlength="2000" data-testid="review-note-input"></label>'
                f'<button type="button" data-action="approve" data-testid="approve">'
                f'{_e(w["approve"])}</button><button type="button" '
                f'data-action="approve_retrain" data-testid="approve-retrain">'
                f'{_e(w["approve_retrain"])}</button><button type="button" data-action="reject" '
                f'data-testid="reject">{_e(w["reject"])}</button></form>'
            )
    return "".join(parts)


def _diff(text: str) -> str:
    lines = []
    for line in text.splitlines():
        kind = "add" if line.startswith("+") else "del" if line.startswith("-") else ""
        lines.append(f'<span class="{kind}">{_e(line)}</span>')
    return "\n".join(lines)


def _history(detail: Detail, who: Staff, w: dict[str, str], language: str) -> str:
    rows = []
    for v in detail.history:
        restore = (
            f'<button data-rollback="{v.number}" data-key="{_e(detail.key)}" '
            f'data-testid="rollback-{v.number}">{_e(w["rollback"])}</button>'
            if who.role in _APPROVERS and v.status == VersionStatus.SUPERSEDED
            else ""
        )
        rows.append(
            f'<tr data-testid="version-row" data-number="{v.number}" data-status="{_e(v.status)}">'
            f"<td>{v.number}</td><td>{_e(_status(v, w))}</td>"
            f"<td>{_e(_short(v.answers.get(language), 60))}</td>"
            f"<td>{_e(detail.names.get(v.author_id or 0, w['none']))}</td>"
            f"<td>{_e(detail.names.get(v.approver_id or 0, w['none']))}</td>"
            f"<td>{_e(v.published_at.isoformat(timespec='minutes') if v.published_at else '')}"
            f"</td><td>{restore}</td></tr>"
        )
    return (
        f'<section class="panel wide"><h2>{_e(w["history"])}</h2><table data-testid="history">'
        f"<thead><tr><th>{_e(w['version'])}</th><th>{_e(w['state'])}</th>"
        f"<th>{_e(w['answer'])}</th><th>{_e(w['author'])}</th><th>{_e(w['approver'])}</th>"
        f"<th>{_e(w['when'])}</th><th></th></tr></thead><tbody>{''.join(rows)}</tbody>"
        "</table></section>"
    )


def _audit(entries: list[FaqAudit], names: dict[int, str], w: dict[str, str]) -> str:
    rows = "".join(
        f'<tr data-testid="audit-row" data-action="{_e(a.action)}">'
        f"<td>{_e(a.at.isoformat(timespec='seconds'))}</td>"
        f"<td>{_e(names.get(a.actor_id or 0, w['none']))}</td><td>{_e(a.action)}</td>"
        f"<td>{_e(a.version)}</td><td>{_e(a.detail)}</td></tr>"
        for a in entries
    )
    return (
        f'<section class="panel wide"><details><summary>{_e(w["audit"])}</summary>'
        f'<table data-testid="audit"><thead><tr><th>{_e(w["when"])}</th><th>{_e(w["who"])}</th>'
        f"<th>{_e(w['action'])}</th><th>{_e(w['version'])}</th><th></th></tr></thead>"
        f"<tbody>{rows}</tbody></table></details></section>"
    )


_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf" content="{csrf}">
<meta name="strings" content="{strings}">
<meta name="role" content="{role}">
<title>Tsuyu Botanicals — {title}</title>
<link rel="stylesheet" href="/console/static/console.css">
<link rel="stylesheet" href="/console/static/studio.css">
</head>
<body>
<header>
  <a href="/console/studio" id="brand">Tsuyu Botanicals — {title}</a>
  <a href="/console/insight" class="nav">{insight}</a>
  <span data-testid="who">{who}</span>
  <a href="{toggle_href}" class="nav" data-testid="lang-toggle">{toggle}</a>
</header>
<main>
{body}
</main>
<p id="flash" data-testid="flash" role="status"></p>
<script src="/console/static/studio.js"></script>
</body>
</html>
"""
