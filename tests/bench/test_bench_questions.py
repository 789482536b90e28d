"""The bot-question classifier and the information-asked-twice detector."""

from __future__ import annotations

import pytest

from bench.questions import AskedTwiceDetector, classify, facts_in, is_fallback, rejected


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("What's your order number?", {"order_number"}),
        ("Sure. Could you tell me the order number? It starts with EF.", {"order_number"}),
        ("Thanks! To verify it's you: what's the email address on the order?", {"email"}),
        ("Please send me the postcode of the delivery address.", {"postcode"}),
        ("What is the new delivery address?", {"address"}),
        ("Which order do you mean?", {"choose_order"}),
        ("Is there anything else I can help you with?", {"anything_else"}),
        ("주문번호를 알려주세요.", {"order_number"}),
        (
            "I couldn't find order EF-199999. Could you check the number in your confirmation "
            "e-mail?",
            {"order_number"},
        ),
        (
            "To protect your data: what's the e-mail address (or the delivery postcode)?",
            {"email", "postcode"},
        ),
        ("Is that okay for you?", {"confirm"}),
        (
            "What's the new delivery address? Please write it as: street and number, postcode "
            "city (e.g. Hauptstr. 5, 10115 Berlin).",
            {"address"},
        ),
        (
            "새 배송지 주소를 알려주세요. 도로명 주소와 우편번호를 함께 적어 주세요 "
            "(예: 서울특별시 강남구 테헤란로 123, 06234).",
            {"address"},
        ),
        ("Shall I connect you with a colleague who can sort it out?", {"confirm"}),
        ("해결해 드릴 수 있는 상담원에게 연결해 드릴까요?", {"confirm"}),
        ("더 도와드릴 일이 있을까요?", {"anything_else"}),
        ("How easy was it to handle your issue today? (1 = very hard, 7 = very easy)", {"ces"}),
        ("Order EF-100001 is in transit with DHL.", set()),
        ("Your order number EF-100001 will arrive on Friday.", set()),
        ("", set()),
    ],
)
def test_classify_question_sentences(text: str, kinds: set[str]) -> None:
    assert classify(text) == kinds


def test_buttons_refine_the_kind() -> None:
    orders = [
        {"title": "EF-100001", "payload": "EF-100001"},
        {"title": "EF-100002", "payload": "EF-100002"},
    ]
    assert classify("Which one?", orders) == {"choose_order"}
    yes_no = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    assert classify("Cancel order EF-100002 now?", yes_no) == {"confirm"}
    ces = [{"title": str(n), "payload": f'/ces{{"ces_score": {n}}}'} for n in range(1, 8)]
    assert "ces" in classify("How much do you agree: the shop made it easy?", ces)


def test_fallback_and_rejections() -> None:
    assert is_fallback("Sorry, I didn't quite understand that. Could you rephrase?")
    assert not is_fallback("Your order is on its way.")
    assert rejected("I couldn't find an order EF-999999.") == {"order_number"}
    assert rejected("That email doesn't match the order.") == {"email", "postcode"}


def test_facts_in_customer_messages() -> None:
    assert facts_in("where is EF-100001?") == {"order_number"}
    assert facts_in("100001") == {"order_number"}
    assert facts_in("it's alice@example.com") == {"email"}
    assert facts_in("10115") == {"postcode"}
    assert facts_in("order ef 100004, postcode 10115") == {"order_number", "postcode"}
    assert facts_in("hello") == set()


def test_asking_again_for_a_given_fact_counts_once_per_ask() -> None:
    detector = AskedTwiceDetector()
    detector.customer("where is my order EF-100001")
    detector.bot("What's the email address on the order?", turn=1)
    detector.customer("alice@example.com")
    assert detector.count == 0
    detector.bot("Could you give me your order number?", turn=2)
    assert detector.count == 1
    assert detector.repeats[0]["fact"] == "order_number"
    assert detector.repeats[0]["why"] == "already_given"
    detector.bot("And what's your email?", turn=3)
    assert detector.facts_asked_twice() == ["email", "order_number"]


def test_reasking_after_a_rejection_is_not_counted() -> None:
    detector = AskedTwiceDetector()
    detector.customer("status of EF-999999")
    detector.bot("I couldn't find an order EF-999999. What's the order number?", turn=1)
    assert detector.count == 0
    detector.customer("EF-100001")
    detector.bot("Hmm, what is your order number?", turn=2)
    assert detector.count == 1


def test_signed_in_customers_are_never_asked_who_they_are() -> None:
    detector = AskedTwiceDetector.signed_in()
    detector.bot("Which order do you mean?", turn=1)
    assert detector.count == 0
    detector.bot("What's the email address on your account?", turn=2)
    assert detector.repeats == [
        {
            "fact": "email",
            "why": "known_signed_in",
            "turn": 2,
            "text": "What's the email address on your account?",
        }
    ]


def test_answer_given_in_an_unrecognised_form_still_counts_as_given() -> None:
    detector = AskedTwiceDetector()
    detector.bot("What's your postcode?", turn=1)
    detector.customer("ten one one five")
    detector.customer_fact("postcode")
    detector.bot("What's your postcode?", turn=2)
    assert detector.facts_asked_twice() == ["postcode"]
