"""The brand's voice: a profile applied to every bot reply, and the check every FAQ answer
draft passes before it can be submitted for approval."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import yaml

from agent.errors import ConfigError
from agent.faq.register import casual_apologies, casual_sentences

CHANNELS = ("messenger", "instagram", "x")
LANGUAGES = ("en", "ja")
_CHANNEL_NAMES = {"messenger": "Messenger", "instagram": "Instagram", "x": "X"}
_LANGUAGE_NAMES = {"en": ("English", "英語"), "ja": ("Japanese", "日本語")}


@dataclass(frozen=True, slots=True)
class Limit:
    kind: Literal["chars", "bytes"]
    value: int

    def measure(self, text: str) -> int:
        # surrogatepass: a lone surrogate (possible in a str) must not make the check raise.
        return len(text.encode("utf-8", "surrogatepass")) if self.kind == "bytes" else len(text)


# Platform hard limits: Messenger 2,000 characters; Instagram 1,000 bytes UTF-8 (a Japanese
# character is 3 bytes); X direct messages 10,000 characters.
PLATFORM_LIMITS: dict[str, Limit] = {
    "messenger": Limit("chars", 2000),
    "instagram": Limit("bytes", 1000),
    "x": Limit("chars", 10_000),
}


def fits(text: str, channel: str, max_chars: int | None = None) -> bool:
    """Whether one message of `text` can go out on `channel` (raises ValueError for an unknown
    channel), and is at most `max_chars` characters when given."""
    limit = PLATFORM_LIMITS.get(channel)
    if limit is None:
        raise ValueError(f"unknown channel {channel!r}")
    return limit.measure(text) <= limit.value and (max_chars is None or len(text) <= max_chars)


class EmojiPolicy(StrEnum):
    ALLOW = "allow"
    AT_MOST_ONE = "at_most_one"
    NONE = "none"


class Register(StrEnum):
    POLITE = "polite"
    CASUAL = "casual"


# --- the profile ---------------------------------------------------------------------------

_FIELDS = (
    "brand",
    "persona",
    "japanese_register",
    "emoji",
    "greeting",
    "sign_off",
    "acknowledgment",
    "banned_words",
    "max_length",
    "link_domains",
)
# Fields a profile saved before they existed may lack; they read as empty (not used).
_OPTIONAL = frozenset({"acknowledgment"})
_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)
# Reads one field's value; the second argument names the field in the error.
_Parser = Callable[[Any, str], _T]
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]*[a-z]")


@dataclass(frozen=True, slots=True)
class VoiceProfile:
    brand: str
    persona: dict[str, str]  # per language, e.g. {"en": "Shizuku", "ja": "しずく"}
    japanese_register: Register
    emoji: dict[str, EmojiPolicy]  # per channel
    greeting: dict[str, str]  # per language; may hold {persona}
    sign_off: dict[str, str]  # per language; may hold {persona}
    # Per language: opens an FAQ answer to a customer who sounds upset; empty: none.
    acknowledgment: dict[str, str]
    banned_words: tuple[str, ...]
    max_length: dict[str, int]  # per channel, in characters, at most the platform limit
    link_domains: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VoiceProfile:
        """A profile from YAML or the studio's JSON; ConfigError says what is wrong."""
        if not isinstance(data, Mapping):
            raise ConfigError("voice profile: expected a mapping of fields")
        unknown = sorted(set(map(str, data)) - set(_FIELDS))
        missing = [f for f in _FIELDS if f not in data and f not in _OPTIONAL]
        if unknown:
            raise ConfigError(f"voice profile: unknown fields {', '.join(unknown)}")
        if missing:
            raise ConfigError(f"voice profile: missing fields {', '.join(missing)}")
        brand = data["brand"]
        if not isinstance(brand, str) or not brand.strip():
            raise ConfigError("voice profile: brand must be a non-empty text")
        return cls(
            brand=brand.strip(),
            persona=_per_key(data["persona"], "persona", LANGUAGES, _name),
            japanese_register=_choice(data["japanese_register"], Register, "japanese_register"),
            emoji=_per_key(
                data["emoji"], "emoji", CHANNELS, lambda v, w: _choice(v, EmojiPolicy, w)
            ),
            greeting=_per_key(data["greeting"], "greeting", LANGUAGES, _text),
            sign_off=_per_key(data["sign_off"], "sign_off", LANGUAGES, _text),
            acknowledgment=_per_key(
                data.get("acknowledgment", dict.fromkeys(LANGUAGES, "")),
                "acknowledgment",
                LANGUAGES,
                _text,
            ),
            banned_words=_words(data["banned_words"], "banned_words", _name),
            max_length=_per_key(data["max_length"], "max_length", CHANNELS, _max_length),
            link_domains=_words(data["link_domains"], "link_domains", _domain),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe; `from_dict(p.to_dict()) == p`."""
        return {
            "brand": self.brand,
            "persona": dict(self.persona),
            "japanese_register": self.japanese_register.value,
            "emoji": {channel: policy.value for channel, policy in self.emoji.items()},
            "greeting": dict(self.greeting),
            "sign_off": dict(self.sign_off),
            "acknowledgment": dict(self.acknowledgment),
            "banned_words": list(self.banned_words),
            "max_length": dict(self.max_length),
            "link_domains": list(self.link_domains),
        }


def _per_key(value: Any, field: str, keys: tuple[str, ...], parse: _Parser[_T]) -> dict[str, _T]:
    """A mapping with exactly `keys` (every channel, or both languages)."""
    if not isinstance(value, Mapping) or set(map(str, value)) != set(keys):
        raise ConfigError(f"voice profile: {field} needs exactly the keys {', '.join(keys)}")
    return {key: parse(value[key], f"{field}.{key}") for key in keys}


def _choice(value: Any, enum: type[_E], where: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ConfigError(f"voice profile: {where} is {value!r}; use one of {allowed}") from None


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"voice profile: {where} must be text")
    return value.strip()


def _name(value: Any, where: str) -> str:
    text = _text(value, where)
    if not text:
        raise ConfigError(f"voice profile: {where} must not be empty")
    return text


def _max_length(value: Any, where: str) -> int:
    channel = where.rsplit(".", 1)[-1]
    limit = PLATFORM_LIMITS[channel].value
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= limit:
        raise ConfigError(
            f"voice profile: {where} is {value!r}; it must be a whole number from 1 to {limit:,}"
            f" ({_CHANNEL_NAMES[channel]}'s own limit)"
        )
    return value


def _words(value: Any, field: str, parse: _Parser[str]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise ConfigError(f"voice profile: {field} must be a list")
    return tuple(dict.fromkeys(parse(item, field) for item in value))


def _domain(value: Any, where: str) -> str:
    domain = _text(value, where).lower().rstrip(".")
    if not _DOMAIN.fullmatch(domain):
        raise ConfigError(
            f"voice profile: {where} has {value!r}; write a bare domain such as example.com"
        )
    return domain


def load_voice_profile(path: Path) -> VoiceProfile:
    """The profile in a YAML file; ConfigError when it is missing or malformed."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"voice profile {path}: {e}") from e
    try:
        return VoiceProfile.from_dict(data)
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from e


DEFAULT_VOICE_PATH = Path(__file__).with_name("voice.yml")


# --- emoji ---------------------------------------------------------------------------------

# Always shown as emoji: Emoji_Presentation characters, the pictographic planes, and the few
# text-default symbols phones show as emoji anyway (❤ ☺ ☀ ✌ ☝).
_EMOJI_CHAR = (
    "[\u231a\u231b\u23e9-\u23ec\u23f0\u23f3\u25fd\u25fe\u2614\u2615\u2648-\u2653\u267f\u2693"
    "\u26a1\u26aa\u26ab\u26bd\u26be\u26c4\u26c5\u26ce\u26d4\u26ea\u26f2\u26f3\u26f5\u26fa\u26fd"
    "\u2705\u270a\u270b\u2728\u274c\u274e\u2753-\u2755\u2757\u2795-\u2797\u27b0\u27bf\u2b1b"
    "\u2b1c\u2b50\u2b55\u2764\u263a\u2600\u270c\u261d"
    "\U0001f000-\U0001f1e5\U0001f200-\U0001f3fa\U0001f400-\U0001faff]"
)
# Emoji only with the emoji presentation selector (©️ ➡️ ☎️) or inside a ZWJ sequence (♀).
_TEXT_EMOJI = (
    "[\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u2328\u23cf\u23ed-\u23ef"
    "\u23f1\u23f2\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb\u25fc\u2600-\u27bf\u2934"
    "\u2935\u2b05-\u2b07\u3030\u303d\u3297\u3299]"
)
_SKIN = "[\U0001f3fb-\U0001f3ff]"
_ELEMENT = f"(?:{_EMOJI_CHAR}|{_TEXT_EMOJI})\ufe0f?{_SKIN}?"
_SEQUENCE = (
    "[0-9#*]\ufe0f?\u20e3"  # keycap
    "|[\U0001f1e6-\U0001f1ff]{2}"  # flag
    "|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"  # subdivision flag (England, Scotland, Wales)
    f"|(?:{_EMOJI_CHAR}\ufe0f?{_SKIN}?|{_TEXT_EMOJI}(?:\ufe0f{_SKIN}?|{_SKIN}))"
    f"(?:\u200d{_ELEMENT})*"
    f"|{_TEXT_EMOJI}(?:\u200d{_ELEMENT})+"
)
# Pieces of sequences left on their own: invisible or junk once the emoji around them goes.
_STRAY = "[\ufe0f\u200d\u20e3\U0001f3fb-\U0001f3ff\U0001f1e6-\U0001f1ff\U000e0020-\U000e007f]"
_EMOJI = re.compile(f"(?P<seq>{_SEQUENCE})|{_STRAY}")
_BLANK = " \t\u3000"
# No space is left before these (Japanese or Latin punctuation) or after an opening bracket.
_NO_SPACE_BEFORE = set("。、．，！？」』）】〕〉》,.!?:;)]}…")
_NO_SPACE_AFTER = set("「『（【〔〈《([{")


def emoji_in(text: str) -> list[str]:
    """The emoji sequences in `text`, in order (a ZWJ family or a flag is one)."""
    return [m.group(0) for m in _EMOJI.finditer(text) if m.group("seq")]


def apply_emoji_policy(text: str, policy: EmojiPolicy) -> str:
    """NONE removes every emoji; AT_MOST_ONE keeps the first sequence. What is removed leaves
    no double space and no space before punctuation."""
    if policy is EmojiPolicy.ALLOW:
        return text
    spans: list[tuple[int, int]] = []
    keep_first = policy is EmojiPolicy.AT_MOST_ONE
    for match in _EMOJI.finditer(text):
        if keep_first and match.group("seq"):
            keep_first = False
            continue
        spans.append(_widen(text, match.start(), match.end()))
    return _remove(text, _merge(spans))


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1] in _BLANK:
        start -= 1
    while end < len(text) and text[end] in _BLANK:
        end += 1
    return start, end


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _remove(text: str, spans: list[tuple[int, int]]) -> str:
    out: list[str] = []
    position = 0
    for start, end in spans:
        out.append(text[position:start])
        removed = text[start:end]
        before = text[start - 1] if start > 0 else "\n"
        after = text[end] if end < len(text) else "\n"
        space = next((c for c in removed if c in _BLANK), "")
        # Words on both sides that were apart stay apart, by one space.
        if {before, after} & {"\n", "\r"} or after in _NO_SPACE_BEFORE or before in _NO_SPACE_AFTER:
            space = ""
        out.append(space)
        position = end
    out.append(text[position:])
    return "".join(out)


# --- applying the voice --------------------------------------------------------------------


def _language(language: str) -> str:
    return language if language in LANGUAGES else "en"


def _fill(template: str, profile: VoiceProfile, language: str) -> str:
    # str.replace, not str.format: a brand's stray brace must not break a reply.
    return template.replace("{persona}", profile.persona.get(language, ""))


def _first_reply(text: str, profile: VoiceProfile, language: str, *, sign_off: bool) -> str:
    parts = [_fill(profile.greeting.get(language, ""), profile, language), text]
    if sign_off:
        parts.append(_fill(profile.sign_off.get(language, ""), profile, language))
    return "\n".join(part for part in parts if part)


def _fits_profile(text: str, channel: str, profile: VoiceProfile) -> bool:
    # An unknown channel must fit them all: the safe guess.
    channels = (channel,) if channel in CHANNELS else CHANNELS
    return all(fits(text, c, profile.max_length.get(c)) for c in channels)


_SENTENCE_END = (".", "!", "?", "。", "！", "？", "…")


def _acknowledged(text: str, profile: VoiceProfile, language: str) -> str:
    """The answer opened with the brand's acknowledgment, for a customer who sounds upset."""
    language = _language(language)
    opening = _fill(profile.acknowledgment.get(language, ""), profile, language)
    if not opening:
        return text
    if not opening.endswith(_SENTENCE_END):
        opening += "。" if language == "ja" else "."
    # Japanese sentences follow each other without a space; English ones with one.
    return f"{opening}{'' if language == 'ja' else ' '}{text}"


def apply_voice(
    text: str,
    *,
    profile: VoiceProfile,
    language: str,
    channel: str,
    first_reply: bool,
    upset: bool = False,
) -> str:
    """The reply as the brand sends it: the acknowledgment first when the customer sounds upset,
    the channel's emoji policy, and on the first reply of a conversation the greeting before and
    the sign-off after, when they still fit in one message. Long text is returned whole: the
    sender splits it on sentence boundaries."""
    policy = profile.emoji.get(channel, EmojiPolicy.ALLOW)
    if upset:
        text = _acknowledged(text, profile, language)
    body = apply_emoji_policy(text, policy)
    if not first_reply:
        return body
    language = _language(language)
    for sign_off in (True, False):  # the sign-off goes first when there is no room for both
        voiced = apply_emoji_policy(
            _first_reply(text, profile, language, sign_off=sign_off), policy
        )
        if _fits_profile(voiced, channel, profile):
            return voiced
    return body


# --- the voice check -----------------------------------------------------------------------


class FindingCode(StrEnum):
    TOO_LONG = "too_long"
    BANNED_WORD = "banned_word"
    CASUAL_REGISTER = "casual_register"
    APOLOGY_NOT_HUMBLE = "apology_not_humble"
    MISSING_LANGUAGE = "missing_language"
    UNKNOWN_LINK = "unknown_link"
    EMOJI_NOT_ALLOWED = "emoji_not_allowed"
    EMPTY = "empty"


@dataclass(frozen=True, slots=True)
class Finding:
    code: FindingCode
    language: str  # "en" | "ja"
    channel: str | None  # None: the default answer
    excerpt: str  # the offending sentence, word or link (short)
    message: str  # for a brand editor, in English
    message_ja: str  # the same in Japanese


_EXCERPT_CHARS = 60
_URL = re.compile(
    r"(?:https?://|(?<![\w.-])www\.)[^\s<>\"'`{}|\\^\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+", re.I
)
_URL_TRAILING = ".,;:!?)]'\""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT_CHARS else text[: _EXCERPT_CHARS - 1] + "…"


def _finding(
    code: FindingCode, language: str, channel: str | None, excerpt: str, *, en: str, ja: str
) -> Finding:
    return Finding(code, language, channel, _short(excerpt), en, ja)


def _where(channel: str | None) -> tuple[str, str]:
    if channel is None:
        return "", ""
    name = _CHANNEL_NAMES[channel]
    return f" (in the {name} version)", f"（{name}版）"


def _presence(answers: Mapping[str, str]) -> tuple[dict[str, str], list[Finding]]:
    """The default answers that exist, and a finding for each missing or blank one."""
    texts: dict[str, str] = {}
    findings: list[Finding] = []
    for language in LANGUAGES:
        en_name, ja_name = _LANGUAGE_NAMES[language]
        text = answers.get(language)
        if isinstance(text, str) and text.strip():
            texts[language] = text
        elif not isinstance(text, str):
            en = f"The {en_name} answer is missing. Every answer needs English and Japanese."
            ja = f"{ja_name}の回答がありません。回答は英語と日本語の両方が必要です。"
            findings.append(
                _finding(FindingCode.MISSING_LANGUAGE, language, None, "", en=en, ja=ja)
            )
        else:
            en = f"The {en_name} answer is empty. Please write it before submitting."
            ja = f"{ja_name}の回答が空です。入力してから承認を依頼してください。"
            findings.append(_finding(FindingCode.EMPTY, language, None, "", en=en, ja=ja))
    return texts, findings


def _variant_texts(
    variants: Mapping[str, Mapping[str, str]], defaults: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """(channel, language) -> the variant's own text, where it differs from the default.
    A blank variant text means "use the default"; unknown channels and languages are ignored."""
    out: dict[tuple[str, str], str] = {}
    for channel in CHANNELS:
        variant = variants.get(channel) or {}
        for language in LANGUAGES:
            text = variant.get(language)
            if (
                isinstance(text, str)
                and text.strip()
                and text.strip() != defaults.get(language, "").strip()
            ):
                out[channel, language] = text
    return out


def _content_findings(
    text: str, language: str, channel: str | None, profile: VoiceProfile
) -> Iterable[Finding]:
    yield from _banned(text, language, channel, profile)
    yield from _links(text, language, channel, profile)
    if language == "ja" and profile.japanese_register is Register.POLITE:
        yield from _register(text, channel)
        yield from _apologies(text, channel)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _banned(
    text: str, language: str, channel: str | None, profile: VoiceProfile
) -> Iterable[Finding]:
    normalised = _normalise(text)
    en_where, ja_where = _where(channel)
    for word in profile.banned_words:
        needle = _normalise(word)
        if needle.isascii():
            # Whole words: "cure" is banned, "secure" is not.
            found = re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", normalised)
        else:
            found = re.search(re.escape(needle), normalised)
        if found:
            yield _finding(
                FindingCode.BANNED_WORD,
                language,
                channel,
                word,
                en=f"“{word}” is on the brand's list of words answers must not use{en_where}."
                " Please reword without it.",
                ja=f"「{word}」はブランドで使わない言葉に指定されています{ja_where}。"
                "別の言い方に書き換えてください。",
            )


def _allowed_host(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _host(link: str) -> str:
    url = link if "://" in link else "http://" + link
    try:
        return (urlsplit(url).hostname or "").rstrip(".")
    except ValueError:  # a malformed link: an unknown host, then
        return ""


def _links(
    text: str, language: str, channel: str | None, profile: VoiceProfile
) -> Iterable[Finding]:
    en_where, ja_where = _where(channel)
    allowed = ", ".join(profile.link_domains) or "none"
    for match in _URL.finditer(text):
        link = match.group(0).rstrip(_URL_TRAILING)
        host = _host(link)
        if not _allowed_host(host, profile.link_domains):
            shown = host or link
            yield _finding(
                FindingCode.UNKNOWN_LINK,
                language,
                channel,
                link,
                en=f"This link goes to {shown}, which is not one of the sites answers may link to"
                f" ({allowed}){en_where}. Link to our own site instead, or ask for the domain"
                " to be added to the brand voice.",
                ja=f"このリンク先（{shown}）は、回答からリンクできるサイト（{allowed}）ではありません"
                f"{ja_where}。自社サイトへのリンクに替えるか、ブランドボイスへのドメイン追加を依頼してください。",
            )


def _register(text: str, channel: str | None) -> Iterable[Finding]:
    en_where, ja_where = _where(channel)
    for hit in casual_sentences(text):
        yield _finding(
            FindingCode.CASUAL_REGISTER,
            "ja",
            channel,
            hit.sentence,
            en=f"This sentence ends casually (〜{hit.ending}){en_where}. Our Japanese answers use"
            f" です/ます: try {hit.suggestion.replace(' / ', ' or ')}.",
            ja=f"この文は「〜{hit.ending}」とくだけた言い方で終わっています{ja_where}。"
            f"日本語の回答は「です・ます」調です。「{hit.suggestion.replace(' / ', '」や「')}」"
            "のように書き換えてください。",
        )


def _apologies(text: str, channel: str | None) -> Iterable[Finding]:
    en_where, ja_where = _where(channel)
    for word in casual_apologies(text):
        yield _finding(
            FindingCode.APOLOGY_NOT_HUMBLE,
            "ja",
            channel,
            word,
            en=f"“{word}” is too casual for an apology to a customer{en_where}."
            " Please use 申し訳ございません.",
            ja=f"お客様へのお詫びに「{word}」はくだけすぎています{ja_where}。"
            "「申し訳ございません」をお使いください。",
        )


def _length(text: str, language: str, channel: str, profile: VoiceProfile) -> Iterable[Finding]:
    """The first reply (greeting + answer + sign-off) must go out as one message."""
    policy = profile.emoji[channel]
    first = apply_emoji_policy(_first_reply(text, profile, language, sign_off=True), policy)
    name = _CHANNEL_NAMES[channel]
    en: list[str] = []
    ja: list[str] = []
    platform = PLATFORM_LIMITS[channel]
    size = platform.measure(first)
    if size > platform.value:
        unit, unit_ja = ("bytes", "バイト") if platform.kind == "bytes" else ("characters", "文字")
        note = " (a Japanese character counts as 3 bytes)" if platform.kind == "bytes" else ""
        note_ja = "（日本語は1文字3バイト）" if platform.kind == "bytes" else ""
        en.append(f"{name} allows {platform.value:,} {unit}{note}; this is {size:,} {unit}.")
        ja.append(
            f"{name}の上限は{platform.value:,}{unit_ja}{note_ja}ですが、{size:,}{unit_ja}あります。"
        )
    own = profile.max_length[channel]
    if len(first) > own:
        en.append(f"Our limit on {name} is {own:,} characters; this is {len(first):,}.")
        ja.append(f"{name}でのブランドの上限は{own:,}文字ですが、{len(first):,}文字あります。")
    if en:
        yield _finding(
            FindingCode.TOO_LONG,
            language,
            channel,
            text,
            en=f"On {name}, the first reply (greeting + this answer + sign-off) is too long to send"
            f" as one message. {' '.join(en)} Please shorten it, or write a shorter {name}"
            " version.",
            ja=f"{name}では、最初の返信（あいさつ＋この回答＋結びの言葉）が1通に収まりません。"
            f"{''.join(ja)}短くするか、{name}用の短い版を作成してください。",
        )


def _emoji(text: str, language: str, channel: str, profile: VoiceProfile) -> Iterable[Finding]:
    found = emoji_in(text)
    if found and profile.emoji[channel] is EmojiPolicy.NONE:
        name = _CHANNEL_NAMES[channel]
        yield _finding(
            FindingCode.EMOJI_NOT_ALLOWED,
            language,
            channel,
            " ".join(found),
            en=f"We don't use emoji on {name}: they would be removed when this answer is sent"
            f" there. Remove them, or write a {name} version without them.",
            ja=f"{name}では絵文字を使いません（送信時に削除されます）。"
            f"絵文字を削除するか、{name}用の版を作成してください。",
        )


_CODE_ORDER = {code: i for i, code in enumerate(FindingCode)}


def _order(finding: Finding) -> tuple[int, int, int, str]:
    channel = -1 if finding.channel is None else CHANNELS.index(finding.channel)
    return (LANGUAGES.index(finding.language), channel, _CODE_ORDER[finding.code], finding.excerpt)


def check_answer(
    *,
    answers: Mapping[str, str],
    variants: Mapping[str, Mapping[str, str]],
    profile: VoiceProfile,
) -> list[Finding]:
    """What stops this answer from being submitted, in a stable order (language, channel,
    code, excerpt). Empty means it is in the brand's voice."""
    defaults, findings = _presence(answers)
    own = _variant_texts(variants, defaults)
    for language, text in defaults.items():
        findings.extend(_content_findings(text, language, None, profile))
    for (channel, language), text in own.items():
        findings.extend(_content_findings(text, language, channel, profile))
    for channel in CHANNELS:
        for language in LANGUAGES:
            sent = own.get((channel, language), defaults.get(language))
            if sent is not None:
                findings.extend(_length(sent, language, channel, profile))
                findings.extend(_emoji(sent, language, channel, profile))
    return sorted(dict.fromkeys(findings), key=_order)


_OWN_TEXTS = {
    "greeting": ("the greeting", "あいさつ"),
    "sign_off": ("the sign-off", "結びの言葉"),
    "acknowledgment": ("the acknowledgment", "お詫びの言葉"),
}


def check_voice(profile: VoiceProfile) -> list[Finding]:
    """The voice's own texts against its own rules: the greeting, sign-off and acknowledgment
    go out with answers that passed the check, so they must pass it too (banned words, links,
    and in polite Japanese the register and a humble apology)."""
    findings: list[Finding] = []
    for field, (en_name, ja_name) in _OWN_TEXTS.items():
        texts: dict[str, str] = getattr(profile, field)
        for language in LANGUAGES:
            text = _fill(texts.get(language, ""), profile, language)
            if not text.strip():
                continue
            lang_en, lang_ja = _LANGUAGE_NAMES[language]
            for finding in _content_findings(text, language, None, profile):
                findings.append(
                    replace(
                        finding,
                        message=f"In {en_name} ({lang_en}): {finding.message}",
                        message_ja=f"{lang_ja}の{ja_name}：{finding.message_ja}",
                    )
                )
    return sorted(dict.fromkeys(findings), key=_order)
