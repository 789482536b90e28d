"""The assistant's vocabulary: intents, tasks and informational answers, in one place.

domain.yml declares the intents and actions, data/rules/informational.yml the answers; this module
names the groups the code needs, and tests/catalogue/test_vocabulary.py checks it against both
(so adding an intent to the domain without placing it here fails a test). Used by the actions,
the analytics, the handoff gateway and the NLU data tests.
"""

from __future__ import annotations

# ---- intents (domain.yml `intents:`, same order) ------------------------------------------------
CONVERSATION_INTENTS = (
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "inform",
    "request_human", "complaint",
)  # fmt: skip
TASK_INTENTS: dict[str, str] = {  # intent → the task it starts (docs/contracts.md, task_result)
    "order_status": "order_status",
    "delivery_time": "order_status",
    "cancel_order": "cancel_order",
    "change_address": "change_address",
    "return_item": "return_item",
    "refund_request": "refund_status",
    "refund_status": "refund_status",
    "get_invoice": "get_invoice",
}
TASKS = frozenset(TASK_INTENTS.values())
# intent → the actions that answer it (data/rules/informational.yml, before "anything else?")
INFO_ANSWERS: dict[str, tuple[str, ...]] = {
    "delivery_options": ("action_answer_policy",),
    "cancellation_fee": ("action_answer_policy",),
    "change_order": ("utter_change_order",),
    "refund_policy": ("action_answer_policy",),
    "payment_methods": ("action_answer_policy",),
    "payment_issue": ("action_answer_policy",),
    "newsletter": ("utter_newsletter",),
    "place_order": ("utter_place_order",),
    "leave_feedback": ("utter_leave_feedback",),
    "create_account": ("utter_create_account", "action_account_help"),
    "delete_account": ("action_answer_policy", "action_account_help"),
    "edit_account": ("utter_edit_account", "action_account_help"),
    "reset_password": ("utter_reset_password", "action_account_help"),
    "registration_problem": ("utter_registration_problem", "action_account_help"),
    "switch_account": ("utter_switch_account", "action_account_help"),
}
# The intents a customer's words are classified into (data/nlu, tests/nlu).
NLU_INTENTS = frozenset(CONVERSATION_INTENTS) | frozenset(TASK_INTENTS) | frozenset(INFO_ANSWERS)
# Sent by buttons or the handoff service, never classified from words.
CES_INTENT = "ces"
EVENT_INTENTS = (CES_INTENT, "EXTERNAL_handback")
INTENTS = NLU_INTENTS | frozenset(EVENT_INTENTS)
FALLBACK_INTENT = "nlu_fallback"  # the FallbackClassifier's (config.yml), not a domain intent
# Metadata flag of a message that fell back and was replayed with the guessed intent when the
# customer said yes to the first offered request (actions/fallback.py): not a customer turn.
REPLAYED_FLAG = "replayed_fallback"

# ---- groups -------------------------------------------------------------------------------------
# Alone they do not make a session substantive (design.md, Metrics): no CES after them, and
# the metrics do not count such a session as a request.
SMALL_TALK = frozenset({"greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"})
# Not a request either, for the CES decision: button answers, events, misunderstood messages.
NOT_A_REQUEST = SMALL_TALK | {CES_INTENT, FALLBACK_INTENT, "out_of_scope", "EXTERNAL_handback"}
# Not a topic for the agent (the gateway's handoff context, the console's summary).
NOT_A_TOPIC = SMALL_TALK | {"inform", CES_INTENT, FALLBACK_INTENT}
COMPLAINT_INTENTS = frozenset({"complaint"})
HUMAN_INTENTS = frozenset({"request_human", "complaint"})
# Policy questions answered with live figures (actions/policies.py): intent → text key.
POLICY_ANSWERS = {
    intent: f"policy_{intent}"
    for intent, answer in INFO_ANSWERS.items()
    if "action_answer_policy" in answer
}

# ---- actions ------------------------------------------------------------------------------------
# Bot actions that meet an informational goal (the metrics). The utter_* names of answers that
# now come from action_answer_policy stay so conversations recorded before still count.
RETIRED_INFO_RESPONSES = frozenset(
    {
        "utter_delivery_options",
        "utter_cancellation_fee",
        "utter_refund_policy",
        "utter_payment_methods",
        "utter_payment_issue",
        "utter_delete_account",
    }
)
INFO_ACTIONS = (
    frozenset(action for answer in INFO_ANSWERS.values() for action in answer)
    | RETIRED_INFO_RESPONSES
)
FALLBACK_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_two_stage_fallback",
        "utter_default",
        "action_fallback_options",
    }
)
