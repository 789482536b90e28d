"""Reading what customers type: addresses (Western and Korean) and the items of a return."""

from __future__ import annotations

import re
from typing import Any

ADDRESS_RE = re.compile(
    r"^(?P<street>[^,]+?),\s*(?P<postcode>\d{4,6})\s+(?P<city>[^,]+?)(?:,\s*(?P<country>[A-Za-z]{2}))?\s*$"
)
# an address inside a longer message: "... to Gartenstraße 8, 10115 Berlin instead"
ADDRESS_IN_TEXT_RE = re.compile(
    r"(?P<street>[^\W\d_][\w.\- ]{1,40}?\s\d+\s?[a-zA-Z]?),\s*(?P<postcode>\d{4,6})\s+"
    r"(?P<city>[^\W\d_][\w\-]+(?:\s(?=[A-ZÄÖÜ])[\w\-]+)?)(?:,\s*(?P<country>[A-Z]{2})\b)?"
)
STREET_LEAD_RE = re.compile(r"^.*\b(?:to|at|address is|address:|into|for)\s+", re.IGNORECASE)
ALL_ITEMS = {
    "all", "all items", "everything", "both", "all of them",
    "전부", "모두", "다", "둘 다", "전부 다",
}  # fmt: skip
# What Korean customers call the shop's products (the order system's names are English).
KO_ITEM_WORDS = {
    "후드티": "hoodie", "후드": "hoodie", "티셔츠": "t-shirt", "양말": "socks",
    "머그컵": "mug", "머그": "mug", "컵": "mug", "물병": "bottle", "텀블러": "bottle",
    "보틀": "bottle", "자켓": "jacket", "재킷": "jacket", "우비": "jacket", "스카프": "scarf",
    "목도리": "scarf", "모자": "cap", "캡": "cap", "가방": "bag", "에코백": "bag", "토트백": "bag",
}  # fmt: skip


def find_address(text: Any) -> dict[str, str] | None:
    """An address written inside a longer message (the request), or None."""
    match = ADDRESS_IN_TEXT_RE.search(" ".join(str(text or "").split()))
    if not match:
        return None
    street = STREET_LEAD_RE.sub("", match.group("street")).strip()
    if not street or street[0].isdigit():
        return None
    return {
        "street": street,
        "postcode": match.group("postcode"),
        "city": match.group("city").strip(),
        "country": (match.group("country") or "DE").upper(),
    }


# Korean road-name addresses: "서울특별시 강남구 테헤란로 123, 06234",
# "06234 서울 중구 세종대로 110", "우편번호 06234 …", "… (우편번호: 06234)":
# the postcode (5 digits) first or last.
KO_POSTCODE_RE = re.compile(
    r"[(\[]?\s*(?:우편\s*번호\s*(?:는|은)?|우\))?\s*[:：]?\s*[(\[]?\s*"
    r"(?<![\d-])(\d{5})(?![\d-])(?:이고|이며|이에요|입니다)?\s*[)\]]?"
)
KO_ROAD_RE = re.compile(
    r"^(?P<city>(?:[가-힣]+\s+)+?)"  # 시/도 and 구/군/시: at least one word before the road
    r"(?P<street>[가-힣0-9.]+(?:로|길|대로)\s*\d+(?:-\d+)?(?:\s*(?:번길|길)\s*\d+(?:-\d+)?)?)"
    r"(?:으로|로|이요|요|입니다|이에요)?(?P<detail>[\s,]+.*)?$"
)
KO_FILLER = frozenset(
    {"새", "주소", "주소는", "주소:", "배송지", "배송지는", "배송지:", "이고", "이며", "그리고"}
)
KO_POLITE_END = re.compile(r"(?:으로|로)?\s*(?:보내|바꿔|변경해)\s*주세요\.?|[.!]$")
HANGUL_RE = re.compile(r"[가-힣]")


def parse_korean_address(text: str) -> dict[str, str] | None:
    """A Korean road-name address with its 5-digit postcode (first or last, with or without
    "우편번호") → address dict (country KR); None if it is not one."""
    flat = " ".join(str(text).split())
    if not HANGUL_RE.search(flat):
        return None
    postcodes = KO_POSTCODE_RE.findall(flat)
    if len(postcodes) != 1:
        return None
    rest = KO_POLITE_END.sub("", KO_POSTCODE_RE.sub(" ", flat, count=1))
    words = [w for w in rest.replace(",", " ").split() if w not in KO_FILLER]
    match = KO_ROAD_RE.match(" ".join(words).strip(" ,."))
    if not match:
        return None
    detail = " ".join((match.group("detail") or "").split())
    street = " ".join(match.group("street").split())
    return {
        "street": f"{street}, {detail}" if detail else street,
        "postcode": postcodes[0],
        "city": match.group("city").strip(),
        "country": "KR",
    }


def parse_address(text: str) -> dict[str, str] | None:
    """ "Hauptstr. 5, 10115 Berlin" (optionally ", DE") or a Korean road-name address
    ("서울특별시 강남구 테헤란로 123, 06234") → address dict; None if unparsable."""
    korean = parse_korean_address(text)
    if korean:
        return korean
    match = ADDRESS_RE.match(" ".join(str(text).split()))
    if not match:
        return None
    return {
        "street": match.group("street").strip(),
        "postcode": match.group("postcode"),
        "city": match.group("city").strip(),
        "country": (match.group("country") or "DE").upper(),
    }


def match_items(text: Any, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The order items a customer's answer refers to (all of them for "all")."""
    if isinstance(text, list):
        text = " ".join(str(t) for t in text)
    wanted = str(text or "").strip().lower()
    if not wanted:
        return []
    for korean, english in KO_ITEM_WORDS.items():
        if korean in wanted:
            wanted = f"{wanted} {english}"
    if wanted in ALL_ITEMS:
        chosen = items
    else:
        chosen = []
        for item in items:
            name = str(item.get("name", "")).lower()
            sku = str(item.get("sku", "")).lower()
            words = [w for w in re.findall(r"\w+", name) if len(w) > 2]
            if wanted in name or name in wanted or sku == wanted or any(w in wanted for w in words):
                chosen.append(item)
    return [
        {"sku": i.get("sku"), "name": i.get("name"), "quantity": int(i.get("quantity", 1))}
        for i in chosen
    ]
