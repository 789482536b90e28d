"""What the service itself says to customers (English and Korean)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "bot_unavailable": (
            "Sorry, our assistant is not working right now, so I'm passing your conversation "
            "to a human colleague."
        ),
        "still_checking": "One moment, I'm still checking that for you.",
        "queued": (
            "I'm connecting you with a colleague. You are number {position} in the queue; "
            "the estimated wait is about {minutes} minute(s). They will see everything we "
            "discussed, so you won't need to repeat anything."
        ),
        "nobody_online": (
            "No colleague is online right now. Please leave a message here: your conversation "
            "stays in the queue, and the first colleague available will reply in this "
            "conversation with everything we discussed in front of them. You can close this "
            "window; your messages are kept."
        ),
        "agent_joined": "{agent} has joined the conversation.",
        "transferred": "{agent} is taking over the conversation.",
        "resolved": "{agent} has closed this conversation. Thank you for contacting us!",
        "handed_back": "You're back with the assistant; {agent} resolved: {resolution}",
        "agent_left": (
            "{agent} had to leave the conversation. You keep your place: the next colleague "
            "available will continue with everything in front of them."
        ),
    },
    "ko": {
        "bot_unavailable": (
            "죄송합니다. 지금 상담 봇이 작동하지 않아 상담원에게 대화를 연결해 드립니다."
        ),
        "still_checking": "잠시만요, 아직 확인하고 있습니다.",
        "queued": (
            "상담원에게 연결해 드리고 있습니다. 대기 순서는 {position}번째이며, 예상 대기 "
            "시간은 약 {minutes}분입니다. 상담원이 지금까지의 대화 내용을 모두 확인하므로 "
            "같은 내용을 다시 말씀하실 필요가 없습니다."
        ),
        "nobody_online": (
            "지금은 연결 가능한 상담원이 없습니다. 여기에 메시지를 남겨 주세요. 대화는 "
            "대기열에 유지되며, 가장 먼저 연결되는 상담원이 지금까지의 대화 내용을 확인하고 "
            "이 대화에서 답변드립니다. 창을 닫으셔도 메시지는 보관됩니다."
        ),
        "agent_joined": "{agent} 상담원이 대화에 참여했습니다.",
        "transferred": "{agent} 상담원이 대화를 이어받았습니다.",
        "resolved": "{agent} 상담원이 상담을 종료했습니다. 문의해 주셔서 감사합니다!",
        "handed_back": "상담 봇이 다시 도와드립니다. {agent} 상담원의 처리 결과: {resolution}",
        "agent_left": (
            "{agent} 상담원이 대화를 떠났습니다. 대기 순서는 유지되며, 다음 상담원이 지금까지의 "
            "내용을 확인하고 이어서 도와드립니다."
        ),
    },
}


def text(language: str, key: str, **values: object) -> str:
    table = TEXTS.get(language, TEXTS["en"])
    return table[key].format(**values)
