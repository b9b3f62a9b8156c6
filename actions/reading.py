"""Order numbers, proofs (e-mail, postcode) and yes or no, as customers type them in a DM.
Pure: no I/O. Read by the actions, and by the NLU (`rasa_addons.order_details`), which gives a
message that is only order details, or only a yes or no, its intent by these rules.

Customers type with a Japanese IME as often as not, so text is NFKC-folded first (full-width
"ＴＢ－２４０３９２" is "TB-240392"), and the dashes an IME gives are accepted. The NLU regex
for the `order_number` entity (nlu_data/orders.yml) accepts the same spellings before folding."""

from __future__ import annotations

import re
import unicodedata

# After NFKC: hyphen, the U+2010…2015 dashes, minus, and the katakana long-vowel mark.
_DASH = "\\-\u2010-\u2015\u2212\u30fc"
ORDER_NUMBER = re.compile(
    rf"(?<![0-9A-Za-z])#?\s?TB\s?[{_DASH}]?\s?([0-9]{{4,8}})(?![0-9])", re.IGNORECASE | re.ASCII
)
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# A Japanese postcode, 3 + 4 digits, with or without the postal mark and a dash; never part of
# a longer run of digits (a phone or tracking number).
POSTCODE = re.compile(
    rf"(?<![0-9{_DASH}])〒?\s?([0-9]{{3}})\s?[{_DASH}]?\s?([0-9]{{4}})(?![0-9{_DASH}])"
)


# Words that take a yes back, in a reply to "shall I cancel it?": "don't cancel" reads like the
# cancel FAQ to the NLU, so the action checks for these before it cancels anything.
REFUSAL = re.compile(
    r"\b(no|nope|nah|not|don'?t|do not|never|keep|wait)\b"
    r"|いいえ|いや|しないで|しなくて|取り消さないで|そのまま|結構です|大丈夫です|待って|まって",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def order_number(text: str) -> str | None:
    """The first order number in `text`, written the CRM's way ("TB-240392"), or None."""
    found = ORDER_NUMBER.search(fold(text))
    return f"TB-{found.group(1)}" if found else None


def proof(text: str) -> str | None:
    """An e-mail address or a postcode ("150-0001") given to prove an order is theirs, or None.
    Digits of an order number are never read as a postcode."""
    folded = ORDER_NUMBER.sub(" ", fold(text))
    email = EMAIL.search(folded)
    if email:
        return email.group(0)
    postcode = POSTCODE.search(folded)
    return f"{postcode.group(1)}-{postcode.group(2)}" if postcode else None


def refuses(text: str) -> bool:
    """Whether a reply to "shall I cancel it?" says no, or takes a yes back."""
    return REFUSAL.search(fold(text).replace("’", "'")) is not None


# Replies to "shall I cancel it?", whole messages once folded, lower-cased, and stripped of
# punctuation, symbols and spaces at the ends. Phrases that also ask to cancel ("cancel it")
# are not here: the NLU reads those as the cancel FAQ, which the action takes as a yes.
YES = frozenset(
    {
        *("yes", "yes please", "yeah", "yea", "yep", "yup", "ya", "y", "sure", "sure thing"),
        *("sure go ahead", "yes sure"),
        *("ok", "okay", "k", "ok please", "okay please", "go ahead", "please go ahead"),
        *("yes go ahead", "please do", "do it", "yes do it", "correct", "that's right"),
        *("thats right", "absolutely", "of course", "definitely", "sounds good", "confirm"),
        *("はい", "はいはい", "うん", "ええ", "そう", "そうです", "はいそうです", "お願いします"),
        *("おねがいします", "お願い", "おねがい", "はいお願いします", "はい お願いします"),
        *(
            "うんお願い",
            "うん お願い",
            "それでお願いします",
            "はいそれで",
            "それで",
            "okです",
            "オッケー",
        ),
        *("オーケー", "了解", "了解です", "りょうかい", "進めてください", "👍"),
    }
)
NO = frozenset(
    {
        *("no", "nope", "nah", "n", "no no", "not now", "no don't", "no dont", "don't"),
        *("dont", "don't cancel", "dont cancel", "do not cancel", "don't cancel it"),
        *("dont cancel it", "keep it", "keep my order", "keep the order", "leave it"),
        *("leave it as it is", "wait", "wait no", "actually no"),
        *("いいえ", "いや", "いえ", "ううん", "やめておきます", "やめときます", "しないで"),
        *("キャンセルしないで", "キャンセルしないでください", "取り消さないで"),
        *("取り消さないでください", "そのままで", "そのままでいいです", "そのままでお願いします"),
        *("いいえそのままで", "いいえ そのままでお願いします", "まだいいです", "今回は見送ります"),
        *("やっぱりいいです",),  # not "いいです" alone: it says yes as often as no
        *("👎",),
    }
)
# Words that may stand next to an order number, postcode or e-mail address in a message that
# only gives them ("my order number is TB-240392", "郵便番号は150-0001です").
DETAIL_WORDS = frozenset(
    {
        *("my", "the", "a", "order", "orders", "order's", "number", "no", "is", "it's", "its"),
        *("it", "here", "here's", "heres", "you", "go", "oops", "sorry", "i", "meant", "wrong"),
        *("one", "postcode", "post", "postal", "code", "zip", "email", "e-mail", "mail"),
        *("address", "delivered", "delivery", "to", "was", "for", "used", "with", "under"),
        *("ordered", "thx", "thanks", "thank", "pls", "please", "and", "or", "of", "this"),
        *("that's", "thats", "that", "ok", "okay", "hi", "hello"),
    }
)
# The same in Japanese, removed as strings (no spaces between words), longest first.
DETAIL_PHRASES = tuple(
    sorted(
        {
            *("注文番号", "ちゅうもんばんごう", "番号", "郵便番号", "ゆうびんばんごう", "郵便"),
            *("メールアドレス", "メアド", "メール", "アドレス", "登録", "注文時", "注文"),
            *("お届け先", "届け先", "お届け", "宛先", "すみません", "すいません", "間違い"),
            *("まちがい", "でした", "こちら", "これ", "ありがとうございます", "お願いします"),
            *("よろしくお願いします", "です", "は", "の", "で", "が", "を", "に", "へ"),
        },
        key=len,
        reverse=True,
    )
)
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")
_NOT_WORDS = re.compile(r"[^\w'@\-]+")


def _bare(text: str) -> str:
    """Folded, lower-case, spaces collapsed, no punctuation or symbols at the ends."""
    folded = " ".join(fold(text).replace("’", "'").lower().split())
    return folded if folded in ("👍", "👎") else _EDGES.sub("", folded)


def yes_or_no(text: str) -> bool | None:
    """True for a plain yes, False for a plain no, None for anything else."""
    bare = _bare(text).replace("、", " ").replace(",", " ")
    bare = " ".join(bare.split())
    if bare in YES:
        return True
    if bare in NO:
        return False
    return None


def only_details(text: str) -> bool:
    """Whether the message gives an order number, a postcode or an e-mail address and nothing
    else but a few words around them."""
    folded = fold(text)
    stripped = ORDER_NUMBER.sub(" ", folded)
    stripped = EMAIL.sub(" ", stripped)
    stripped = POSTCODE.sub(" ", stripped)
    if stripped == folded:
        return False
    rest = stripped.replace("’", "'").lower()
    for phrase in DETAIL_PHRASES:
        rest = rest.replace(phrase, " ")
    words = [word.strip("'-") for word in _NOT_WORDS.split(rest)]
    return all(word in DETAIL_WORDS for word in words if word)
