from bench.facts import Policies, wrong_facts
from bench.questions import AskedTwiceDetector, facts_in

SHOP = Policies(cancellation_fee=4.95, return_window_days=30, refund_days=14)


def test_a_fee_other_than_the_shops_is_a_wrong_fact() -> None:
    text = "Once it's packed a €5.00 handling fee applies."
    assert wrong_facts(text, SHOP) == ["fee 5.00 (shop: 4.95)"]
    assert wrong_facts("Once it's packed a €4.95 handling fee applies.", SHOP) == []
    assert (
        wrong_facts("Done: order EF-100008 is cancelled. Fee: €4.95. You'll get €20.85", SHOP) == []
    )


def test_return_window_and_garbled_instructions() -> None:
    assert wrong_facts("You can return items within 14 days of delivery.", SHOP) == []
    assert wrong_facts("You can return items within 28 days of delivery.", SHOP)
    garbled = "Print the label and drop it at Drop the parcel at any DHL shop; no printer needed."
    assert len(wrong_facts(garbled, SHOP)) == 2


def test_an_address_given_with_the_request_counts_and_its_postcode_does_not() -> None:
    assert facts_in("send EF-100002 to Gartenstraße 8, 10115 Berlin") == {
        "address",
        "order_number",
    }
    detector = AskedTwiceDetector()
    detector.customer("send EF-100002 to Gartenstraße 8, 10115 Berlin")
    detector.bot("What's the delivery postcode (or the e-mail address) of this order?")
    detector.bot("What's the new delivery address? Please write it as: street and number.")
    assert detector.facts_asked_twice() == ["address"]


def test_which_order_after_the_customer_named_it_is_asked_twice() -> None:
    detector = AskedTwiceDetector.signed_in()
    detector.customer("where is EF-100001")
    detector.bot("Which order is it about?")
    assert detector.facts_asked_twice() == ["order_number"]
