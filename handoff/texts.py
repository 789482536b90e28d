"""What the service itself says to customers (English and Korean)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "bot_unavailable": (
            "Sorry, our assistant is not working right now, so I'm passing your conversation "
            "to a human colleague."
        ),
        "still_checking": "One moment, I'm still checking that for you.",
        # Only the queue facts: the bot (or the bot_unavailable notice) already said that a
        # colleague is coming and sees everything, so the handoff is announced once.
        "queued": "You are number {position} in the queue; the estimated wait is {wait}.",
        "nobody_online": (
            "No colleague is online right now. Please leave a message here: your conversation "
            "stays in the queue, and the first colleague available will reply in this "
            "conversation with everything we discussed in front of them. You can close this "
            "window; your messages are kept."
        ),
        "agent_joined": "{agent} has joined the conversation.",
        "transferred": "{agent} is taking over the conversation.",
        "resolved": "{agent} has closed this conversation. Thank you for contacting us!",
        # The outcome itself is said once, by the bot (utter_handback).
        "handed_back": "{agent} has passed you back to the assistant.",
        "agent_left": (
            "{agent} had to leave the conversation. You keep your place: the next colleague "
            "available will continue with everything in front of them."
        ),
        "the_shop": "The shop",
        "ces_question": (
            "{shop} made it easy for me to handle my issue. How much do you agree? "
            "(1 = strongly disagree, 7 = strongly agree)"
        ),
        "ces_thanks": "Thank you for your rating.",
        "photo_kept": (
            "Thank you, the photo is saved with this conversation. If a colleague joins, "
            "they will see it."
        ),
        "transcript_subject": "Your conversation with {shop}",
        "transcript_intro": "Here is the transcript of your conversation with {shop}.",
        "reply_subject": "{shop} replied to your message",
        "reply_intro": "{agent} replied to your message:",
        "reply_outro": (
            "To answer, open the chat on our website again: your conversation is kept there."
        ),
        "you": "You",
        "bot": "Assistant",
        "agent": "Agent",
        "system": "Notice",
        "photo": "photo",
    },
    "ko": {
        "bot_unavailable": (
            "죄송합니다. 지금 상담 봇이 작동하지 않아 상담원에게 대화를 연결해 드립니다."
        ),
        "still_checking": "잠시만요, 아직 확인하고 있습니다.",
        "queued": "대기 순서는 {position}번째이며, 예상 대기 시간은 {wait}입니다.",
        "nobody_online": (
            "지금은 연결 가능한 상담원이 없습니다. 여기에 메시지를 남겨 주세요. 대화는 "
            "대기열에 유지되며, 가장 먼저 연결되는 상담원이 지금까지의 대화 내용을 확인하고 "
            "이 대화에서 답변드립니다. 창을 닫으셔도 메시지는 보관됩니다."
        ),
        "agent_joined": "{agent} 상담원이 대화에 참여했습니다.",
        "transferred": "{agent} 상담원이 대화를 이어받았습니다.",
        "resolved": "{agent} 상담원이 상담을 종료했습니다. 문의해 주셔서 감사합니다!",
        "handed_back": "{agent} 상담원이 상담 봇에게 대화를 넘겼습니다.",
        "agent_left": (
            "{agent} 상담원이 대화를 떠났습니다. 대기 순서는 유지되며, 다음 상담원이 지금까지의 "
            "내용을 확인하고 이어서 도와드립니다."
        ),
        "the_shop": "이 쇼핑몰",
        "ces_question": (
            "“{shop}에서 제 문제를 쉽게 해결할 수 있었다.” 이 문장에 얼마나 동의하시나요? "
            "(1 = 전혀 동의하지 않음, 7 = 매우 동의함)"
        ),
        "ces_thanks": "평가해 주셔서 감사합니다.",
        "photo_kept": (
            "사진이 이 대화에 저장되었습니다. 상담원이 연결되면 사진을 함께 확인합니다."
        ),
        "transcript_subject": "{shop} 상담 내역",
        "transcript_intro": "{shop}과(와) 나눈 상담 내역입니다.",
        "reply_subject": "{shop}에서 답변을 보냈습니다",
        "reply_intro": "{agent} 상담원의 답변:",
        "reply_outro": (
            "답장하시려면 웹사이트의 채팅을 다시 열어 주세요. 대화 내용은 그대로 남아 있습니다."
        ),
        "you": "나",
        "bot": "상담 봇",
        "agent": "상담원",
        "system": "안내",
        "photo": "사진",
    },
}


def minutes(language: str, count: int) -> str:
    """A wait in whole minutes with the right plural: "about 1 minute", "약 3분"."""
    if language == "ko":
        return f"약 {count}분"
    return f"about {count} minute" if count == 1 else f"about {count} minutes"


def text(language: str, key: str, **values: object) -> str:
    table = TEXTS.get(language, TEXTS["en"])
    count = values.get("minutes")
    if isinstance(count, int) and "wait" not in values:
        values["wait"] = minutes(language if language in TEXTS else "en", count)
    return table[key].format(**values)
