# ruff: noqa: E501  (a text catalogue: long sentences read better unwrapped)
"""Texts the custom actions send, per language.

Responses the dialogue rules utter live in domain.yml (with `language` conditional variations);
the texts below are the ones only custom actions send (they depend on order data), so they are
kept next to the code. Adding a language: add a block here and the domain variations
(docs/assistant.md). Every language has every key, with the English text's placeholders.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

logger = logging.getLogger(__name__)

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "ask_order_number": (
            "What's your order number? It looks like EF-100001 and is in your confirmation e-mail."
        ),
        "which_order": "Which order is it about?",
        "ask_email": (
            "To protect your data: what's the e-mail address (or the delivery postcode) of this "
            "order?"
        ),
        "ask_postcode": "What's the delivery postcode (or the e-mail address) of this order?",
        "ask_new_address": (
            "What's the new delivery address? Please write it as: street and number, postcode "
            "city (e.g. Hauptstr. 5, 10115 Berlin)."
        ),
        "ask_return_items": "Which items would you like to return?",
        "ask_return_reason": "What's the reason for the return?",
        "invalid_order_number": "That's not a valid order number; it looks like EF-100001.",
        "order_not_found": (
            "I couldn't find order {order_number}. Could you check the number in your "
            "confirmation e-mail?"
        ),
        "order_not_on_account": "I can't find order {order_number} on your account. Could you check the number?",
        "invalid_email": "That's not a valid e-mail address or postcode. Could you check it?",
        "verification_failed": (
            "That e-mail or postcode doesn't match order {order_number}. Please check it "
            "({attempts_left} attempts left)."
        ),
        "verification_locked": "For your security, order lookups are paused after several unsuccessful attempts.",
        "lookup_failed": "Sorry, I couldn't find or verify that order.",
        "address_failed": "Sorry, I couldn't read the new address, so I haven't changed anything.",
        "not_understood": "Sorry, I'm not understanding you well.",
        "items_failed": "Sorry, I couldn't tell which items you want to return, so nothing is started yet.",
        "invalid_address": (
            "I couldn't read that address. Please write it as: street and number, postcode city "
            "(e.g. Hauptstr. 5, 10115 Berlin)."
        ),
        "invalid_items": "I couldn't match that to an item of this order. The order contains: {items}.",
        "order_api_down": (
            "Sorry, I can't reach our order system right now, so I can't look this up at the "
            "moment."
        ),
        "task_failed": "Sorry, that didn't work on our side and it isn't something you can fix.",
        "status_in_transit": (
            "Your order {order_number} is on its way with {carrier} (tracking number "
            "{tracking_number}). Latest update: {last_event}. Expected delivery: {eta}."
        ),
        "status_delayed": (
            "Your order {order_number} is delayed because of {delay_reason}. The new expected "
            "delivery date is {eta} ({carrier}, tracking number {tracking_number}). You don't "
            "need to do anything."
        ),
        "status_delivered": (
            "Your order {order_number} was delivered on {delivered_at}. If something is wrong "
            "with it, you can return it until {return_until}."
        ),
        "status_pending": (
            "Your order {order_number} is waiting for the payment to be confirmed. It ships as "
            "soon as the payment arrives; no action needed if you already paid."
        ),
        "status_preparing": (
            "Your order {order_number} is being prepared in our warehouse. Expected delivery: "
            "{eta}. You'll get a tracking e-mail once it ships."
        ),
        "status_cancelled": "Your order {order_number} is cancelled. Refund status: {refund_status}.",
        "status_return": "Your order {order_number}: {status}. Refund status: {refund_status}.",
        "proactive_delay": (
            "Hi! Before you ask: your order {order_number} is delayed because of {delay_reason}. "
            "The new expected delivery date is {eta}; you don't need to do anything. Sorry for the "
            "wait! Is there anything else I can help you with?"
        ),
        "confirm_cancel": "Order {order_number} ({total}) can still be cancelled.{fee_note}",
        "cancel_done": (
            "Done: order {order_number} is cancelled. Fee: {fee}. You'll get {refund_amount} back"
            " to {refund_method} by {refund_date}."
        ),
        "cancel_refused_shipped": (
            "Order {order_number} has already shipped, so it can't be cancelled anymore. You can "
            "refuse the parcel at the door or return it for free after it arrives, and you'll get"
            " a full refund."
        ),
        "cancel_refused_delivered": (
            "Order {order_number} has already been delivered, so it can't be cancelled. You can "
            'return it instead; just say "return".'
        ),
        "cancel_refused_cancelled": (
            "Order {order_number} is already cancelled; nothing more to do. Your refund is on its"
            " way."
        ),
        "cancel_refused": "Order {order_number} can't be cancelled in its current state.",
        "task_declined": "Okay, I've left order {order_number} unchanged.",
        "confirm_address": "I can change the delivery address of order {order_number} to {address}.",
        "address_changed": "Done: order {order_number} will go to {address}. New expected delivery: {eta}.",
        "address_refused": (
            "The address of order {order_number} can't be changed anymore because it's already "
            "packed or on its way. The carrier's tracking page lets you redirect the parcel or "
            "pick a parcel shop."
        ),
        "return_started": (
            "Your return for {items} from order {order_number} is registered. Label reference: "
            "{label_reference} ({label_url}). Bring the parcel to any {carrier} parcel shop within"
            " {drop_off_days} days and show the label reference there (or print the label and"
            " stick it on the parcel). You'll get {refund_amount} back about {refund_days} days"
            " after it arrives with us."
        ),
        "return_not_delivered": (
            "Order {order_number} hasn't been delivered yet, so a return can't be started. Once "
            "it arrives you have {return_window_days} days; if you no longer want it, you can also refuse the "
            "parcel."
        ),
        "return_window_expired": (
            "The {return_window_days}-day return window for order {order_number} ended on {return_until}, so I "
            "can't start a return. For a faulty item the legal warranty still applies."
        ),
        "return_exists": (
            "There's already a return for order {order_number}. Your refund follows once it's "
            "checked in."
        ),
        "return_refused": "I couldn't start a return for those items of order {order_number}.",
        "refund_paid": (
            "The refund of {amount} for order {order_number} was paid on {paid_at} to {method}. "
            "Depending on your bank it shows up within {bank_days_min}-{bank_days_max} business"
            " days."
        ),
        "refund_pending": (
            "The refund of {amount} for order {order_number} is on its way to {method}; expected "
            "by {expected_date}."
        ),
        "refund_none": (
            "There's no refund open for order {order_number}. To get your money back, you can "
            'return a delivered order or cancel one that hasn\'t shipped yet; just say "return" or'
            ' "cancel".'
        ),
        "invoice": "Here's the invoice {invoice_number} for order {order_number}: {url}",
        "invoice_not_available": (
            "There's no invoice for order {order_number} yet: it's created as soon as the payment"
            " is confirmed, and you'll get it by e-mail then."
        ),
        "account_email_on_file": "The e-mail on your account is {email}.",
        # values the actions fill in when the order system gave none, and button titles
        "last_event_default": "on its way",
        "delay_reason_default": "a delay",
        "eta_soon": "soon",
        "eta_unchanged": "unchanged",
        "refund_method_default": "your original payment method",
        "button_all_items": "All items",
        "button_reason_fit": "Doesn't fit",
        "button_reason_damaged": "Damaged",
        "button_reason_described": "Not as described",
        "button_reason_mind": "Changed my mind",
        # policy answers (actions/policies.py): every figure is a placeholder filled from
        # GET /v1/policies, never written here
        "policy_delivery_options": (
            "Standard delivery ({carrier}, {standard_days_min}-{standard_days_max} business days)"
            " is free from {free_from}, otherwise it costs {standard_price}. Express (next business"
            " day when ordered by {express_order_by}) costs {express_price}. You can also pick a"
            " parcel shop at checkout."
        ),
        "policy_cancellation_fee": (
            "Cancelling is free until the order is packed. Once it's packed, a {fee} handling fee"
            " applies; after shipping it can't be cancelled, but returns are free within"
            " {return_window_days} days of delivery."
        ),
        "policy_refund_policy": (
            "You can return items for free within {return_window_days} days of delivery. The"
            " refund goes to your original payment method, usually within {refund_days} days"
            " after the return arrives."
        ),
        "policy_payment_methods": "We accept {payment_methods}.",
        "policy_payment_issue": (
            "If a payment failed, no money was taken; you can retry it from the order page within"
            " {payment_retry_days} days. A duplicate charge is only a reservation and disappears"
            " within {release_days_min}-{release_days_max} business days. If it's still there"
            ' after that, say "agent" and a colleague checks it.'
        ),
        "policy_delete_account": (
            'Go to Account → Privacy → "Delete account". Your data is deleted within'
            " {deletion_days} days; invoices are kept as the law requires. Open orders must be"
            " completed first."
        ),
        "policy_unavailable": (
            "Sorry, I can't look up our current terms right now. A colleague can tell you; just"
            ' say "agent".'
        ),
        "fee_note_packed": " A {fee} fee applies because it is already packed.",
        # the one-click fallback (actions/fallback.py): the likeliest requests as buttons
        "fallback_options": "Sorry, I didn't quite get that. Did you mean one of these?",
        "choice_something_else": "Something else",
        "next_request": "You also asked about this; it's next, one click: {request}",
        "offer_person": "Sorry it wasn't what you hoped for. If you'd like, a colleague can take a look too.",
        "choice_order_status": "Where is my order?",
        "choice_delivery_time": "When will it arrive?",
        "choice_cancel_order": "Cancel an order",
        "choice_change_address": "Change the delivery address",
        "choice_delivery_options": "Delivery options and costs",
        "choice_cancellation_fee": "Cost of cancelling",
        "choice_change_order": "Change items in an order",
        "choice_return_item": "Return an item",
        "choice_refund_request": "Get my money back",
        "choice_refund_status": "Where is my refund?",
        "choice_refund_policy": "Return and refund rules",
        "choice_get_invoice": "Get an invoice",
        "choice_payment_methods": "Ways to pay",
        "choice_payment_issue": "A problem with a payment",
        "choice_create_account": "Create an account",
        "choice_delete_account": "Delete my account",
        "choice_edit_account": "Change my account details",
        "choice_reset_password": "Reset my password",
        "choice_registration_problem": "Problem signing up",
        "choice_switch_account": "Switch accounts",
        "choice_newsletter": "Newsletter",
        "choice_place_order": "How to order",
        "choice_leave_feedback": "Leave feedback",
        "choice_request_human": "Talk to a person",
        "choice_complaint": "Make a complaint",
    },
    "ko": {
        "ask_order_number": "주문번호를 알려주세요. 주문 확인 메일에 있는 EF-100001 형식의 번호예요.",
        "which_order": "어떤 주문에 대한 문의인가요?",
        "ask_email": "개인정보 보호를 위해 주문에 사용한 이메일 주소(또는 배송지 우편번호)를 알려주세요.",
        "ask_postcode": "이 주문의 배송지 우편번호(또는 이메일 주소)를 알려주세요.",
        "ask_new_address": "새 배송지 주소를 알려주세요. 도로명 주소와 우편번호를 함께 적어 주세요 (예: 서울특별시 강남구 테헤란로 123, 06234).",
        "ask_return_items": "어떤 상품을 반품하시겠어요?",
        "ask_return_reason": "반품 사유를 알려주세요.",
        "invalid_order_number": "올바른 주문번호가 아니에요. 주문번호는 EF-100001 형식이에요.",
        "order_not_found": "주문 {order_number}을(를) 찾을 수 없어요. 주문 확인 메일의 번호를 확인해 주시겠어요?",
        "order_not_on_account": "고객님 계정에서 주문 {order_number}을(를) 찾을 수 없어요. 번호를 확인해 주시겠어요?",
        "invalid_email": "올바른 이메일 주소나 우편번호가 아니에요. 다시 확인해 주시겠어요?",
        "verification_failed": "이메일 또는 우편번호가 주문 {order_number}과(와) 일치하지 않아요. 다시 확인해 주세요 (남은 시도: {attempts_left}회).",
        "verification_locked": "보안을 위해 여러 번 실패한 후에는 주문 조회가 잠시 중단돼요.",
        "lookup_failed": "죄송해요, 주문을 찾거나 확인하지 못했어요.",
        "address_failed": "죄송해요, 새 주소를 읽지 못해서 아무것도 변경하지 않았어요.",
        "not_understood": "죄송해요, 잘 이해하지 못했어요.",
        "items_failed": "죄송해요, 반품하실 상품을 확인하지 못해서 아직 반품을 시작하지 않았어요.",
        "invalid_address": "주소를 읽지 못했어요. 도로명 주소와 5자리 우편번호를 함께 적어 주세요 (예: 서울특별시 강남구 테헤란로 123, 06234).",
        "invalid_items": "이 주문의 상품과 맞지 않아요. 주문한 상품: {items}.",
        "order_api_down": "죄송해요, 지금 주문 시스템에 연결할 수 없어 조회가 어려워요.",
        "task_failed": "죄송해요, 저희 쪽 문제로 처리하지 못했어요. 고객님이 해결하실 수 있는 문제가 아니에요.",
        "status_in_transit": "주문 {order_number}은(는) {carrier}로 배송 중이에요 (운송장 번호 {tracking_number}). 최근 상태: {last_event}. 도착 예정일: {eta}.",
        "status_delayed": "주문 {order_number}이(가) {delay_reason}(으)로 지연되고 있어요. 새로운 도착 예정일은 {eta}입니다 ({carrier}, 운송장 번호 {tracking_number}). 따로 하실 일은 없어요.",
        "status_delivered": "주문 {order_number}은(는) {delivered_at}에 배송 완료되었어요. 문제가 있으면 {return_until}까지 반품하실 수 있어요.",
        "status_pending": "주문 {order_number}은(는) 결제 확인을 기다리고 있어요. 결제가 확인되는 대로 발송돼요. 이미 결제하셨다면 따로 하실 일은 없어요.",
        "status_preparing": "주문 {order_number}은(는) 물류센터에서 준비 중이에요. 도착 예정일: {eta}. 발송되면 운송장 메일을 보내드려요.",
        "status_cancelled": "주문 {order_number}은(는) 취소되었어요. 환불 상태: {refund_status}.",
        "status_return": "주문 {order_number}: {status}. 환불 상태: {refund_status}.",
        "proactive_delay": "안녕하세요! 먼저 알려드려요. 주문 {order_number}이(가) {delay_reason}(으)로 지연되고 있어요. 새로운 도착 예정일은 {eta}이고, 따로 하실 일은 없어요. 기다리게 해서 죄송해요! 더 도와드릴 일이 있을까요?",
        "confirm_cancel": "주문 {order_number}({total})은(는) 아직 취소할 수 있어요.{fee_note}",
        "cancel_done": "주문 {order_number}이(가) 취소되었어요. 수수료: {fee}. {refund_amount}이(가) {refund_date}까지 {refund_method}(으)로 환불돼요.",
        "cancel_refused_shipped": "주문 {order_number}은(는) 이미 발송되어 취소할 수 없어요. 택배 수령을 거절하시거나 도착 후 무료로 반품하시면 전액 환불돼요.",
        "cancel_refused_delivered": '주문 {order_number}은(는) 이미 배송 완료되어 취소할 수 없어요. 대신 반품하실 수 있어요. "반품"이라고 말씀해 주세요.',
        "cancel_refused_cancelled": "주문 {order_number}은(는) 이미 취소되었어요. 더 하실 일은 없고, 환불이 진행 중이에요.",
        "cancel_refused": "주문 {order_number}은(는) 현재 상태에서는 취소할 수 없어요.",
        "task_declined": "알겠습니다. 주문 {order_number}은(는) 변경하지 않았어요.",
        "confirm_address": "주문 {order_number}의 배송지를 {address}(으)로 변경할 수 있어요.",
        "address_changed": "배송지가 변경되었어요. 주문 {order_number}은(는) 이제 {address}(으)로 배송돼요. 새로운 도착 예정일: {eta}.",
        "address_refused": "주문 {order_number}은(는) 이미 포장되었거나 배송 중이라 배송지를 변경할 수 없어요. 택배사 배송 조회 페이지에서 배송지 변경이나 편의점·택배 보관함 수령을 신청하실 수 있어요.",
        "return_started": "주문 {order_number}의 {items} 반품이 접수되었어요. 반송장 번호: {label_reference} ({label_url}). {drop_off_days}일 안에 가까운 {carrier} 택배 접수처에 상자를 맡기고 반송장 번호를 보여 주세요(라벨을 출력해 붙이셔도 돼요). 상품이 도착하면 약 {refund_days}일 후 {refund_amount}이(가) 환불돼요.",
        "return_not_delivered": "주문 {order_number}은(는) 아직 배송되지 않아 반품을 시작할 수 없어요. 도착 후 {return_window_days}일 이내에 반품하실 수 있고, 필요 없으시면 수령을 거절하셔도 돼요.",
        "return_window_expired": "주문 {order_number}의 {return_window_days}일 반품 기간이 {return_until}에 끝나서 반품을 시작할 수 없어요. 불량 상품이라면 법적 보증은 여전히 적용돼요.",
        "return_exists": "주문 {order_number}은(는) 이미 반품이 접수되어 있어요. 상품이 확인되면 환불돼요.",
        "return_refused": "주문 {order_number}의 해당 상품은 반품을 시작할 수 없었어요.",
        "refund_paid": "주문 {order_number}의 환불 {amount}이(가) {paid_at}에 {method}(으)로 지급되었어요. 은행에 따라 영업일 기준 {bank_days_min}~{bank_days_max}일 안에 확인하실 수 있어요.",
        "refund_pending": "주문 {order_number}의 환불 {amount}이(가) {method}(으)로 진행 중이며 {expected_date}까지 완료될 예정이에요.",
        "refund_none": '주문 {order_number}에 진행 중인 환불이 없어요. 환불을 받으시려면 배송 완료된 주문은 반품하시고, 아직 발송되지 않은 주문은 취소하시면 돼요. "반품" 또는 "취소"라고 말씀해 주세요.',
        "invoice": "주문 {order_number}의 인보이스(영수증) {invoice_number}: {url}",
        "invoice_not_available": "주문 {order_number}은(는) 아직 인보이스(영수증)가 없어요. 결제가 확인되면 바로 발행되어 이메일로 보내드려요.",
        "account_email_on_file": "고객님 계정에 등록된 이메일은 {email}이에요.",
        "last_event_default": "배송 중",
        "delay_reason_default": "배송 지연",
        "eta_soon": "곧",
        "eta_unchanged": "변동 없음",
        "refund_method_default": "원래 결제 수단",
        "button_all_items": "전부",
        "button_reason_fit": "사이즈가 안 맞아요",
        "button_reason_damaged": "파손됐어요",
        "button_reason_described": "설명과 달라요",
        "button_reason_mind": "단순 변심",
        "policy_delivery_options": "일반 배송({carrier}, 영업일 기준 {standard_days_min}-{standard_days_max}일)은 {free_from} 이상 구매 시 무료이고, 그 외에는 {standard_price}이에요. 특급 배송({express_order_by}까지 주문하면 다음 영업일 도착)은 {express_price}이에요. 결제할 때 택배 접수처 수령도 선택할 수 있어요.",
        "policy_cancellation_fee": "포장 전까지는 무료로 취소할 수 있어요. 포장된 후에는 {fee}의 처리 수수료가 있고, 발송된 후에는 취소할 수 없지만 배송 후 {return_window_days}일 이내 무료 반품이 가능해요.",
        "policy_refund_policy": "배송 후 {return_window_days}일 이내에 무료로 반품하실 수 있어요. 환불은 반품 상품이 도착한 후 보통 {refund_days}일 이내에 원래 결제 수단으로 이루어져요.",
        "policy_payment_methods": "{payment_methods} 결제를 지원해요.",
        "policy_payment_issue": '결제가 실패했다면 돈은 빠져나가지 않았어요. {payment_retry_days}일 이내에 주문 페이지에서 다시 결제하실 수 있어요. 중복 결제는 승인 보류일 뿐이며 영업일 기준 {release_days_min}-{release_days_max}일 안에 사라져요. 그 후에도 남아 있으면 "상담원"이라고 말씀해 주세요.',
        "policy_delete_account": '계정 → 개인정보 → "계정 삭제"로 가세요. 데이터는 {deletion_days}일 이내에 삭제되며, 인보이스는 법에 따라 보관돼요. 진행 중인 주문은 먼저 완료되어야 해요.',
        "policy_unavailable": '죄송해요, 지금은 현재 이용 조건을 확인할 수 없어요. "상담원"이라고 말씀하시면 직원이 알려드려요.',
        "fee_note_packed": " 이미 포장되어 {fee}의 수수료가 있어요.",
        "fallback_options": "죄송해요, 잘 이해하지 못했어요. 혹시 이 중에 있나요?",
        "choice_something_else": "다른 문의",
        "next_request": "이것도 문의하셨죠? 다음 순서예요. 한 번만 누르세요: {request}",
        "offer_person": "기대에 미치지 못해 죄송해요. 원하시면 상담원이 함께 살펴봐 드릴 수 있어요.",
        "choice_order_status": "주문이 어디 있나요?",
        "choice_delivery_time": "언제 도착하나요?",
        "choice_cancel_order": "주문 취소",
        "choice_change_address": "배송지 변경",
        "choice_delivery_options": "배송 방법과 비용",
        "choice_cancellation_fee": "취소 수수료",
        "choice_change_order": "주문 상품 변경",
        "choice_return_item": "반품하기",
        "choice_refund_request": "환불 받기",
        "choice_refund_status": "환불은 어디쯤인가요?",
        "choice_refund_policy": "반품·환불 규정",
        "choice_get_invoice": "인보이스 받기",
        "choice_payment_methods": "결제 방법",
        "choice_payment_issue": "결제 문제",
        "choice_create_account": "계정 만들기",
        "choice_delete_account": "계정 삭제",
        "choice_edit_account": "계정 정보 변경",
        "choice_reset_password": "비밀번호 재설정",
        "choice_registration_problem": "가입 문제",
        "choice_switch_account": "계정 전환",
        "choice_newsletter": "뉴스레터",
        "choice_place_order": "주문하는 방법",
        "choice_leave_feedback": "의견 남기기",
        "choice_request_human": "상담원과 이야기하기",
        "choice_complaint": "불만 접수",
    },
}

# Values the order system sends in English (states, payment methods, tracking events), in each
# language. English shows them as the order system writes them ("in_transit" → "in transit").
ORDER_STATES: dict[str, dict[str, str]] = {
    "ko": {
        "pending": "결제 대기",
        "paid": "결제 완료",
        "packed": "포장 완료",
        "shipped": "발송됨",
        "in_transit": "배송 중",
        "delayed": "배송 지연",
        "delivered": "배송 완료",
        "cancelled": "취소됨",
        "return_requested": "반품 접수됨",
        "return_received": "반품 도착",
    },
}
REFUND_STATES: dict[str, dict[str, str]] = {
    "ko": {"none": "없음", "pending": "진행 중", "paid": "지급 완료"},
}
PAYMENT_METHODS: dict[str, dict[str, str]] = {
    "ko": {
        "card": "카드",
        "paypal": "PayPal",
        "invoice": "후불 결제(인보이스)",
        "klarna": "Klarna",
        "bank_transfer": "계좌이체",
    },
}
# Tracking events and delay reasons the order system writes; unknown ones get a neutral
# sentence in the customer's language rather than English.
TRACKING_EVENTS: dict[str, dict[str, str]] = {
    "ko": {
        "parcel handed to carrier": "택배사에 인계됨",
        "parcel in transit": "배송 중",
        "delivered": "배송 완료",
        "out for delivery": "배송 출발",
        "carrier delay at the regional hub": "지역 물류 거점의 택배사 지연",
        "delayed: carrier delay at the hub": "물류 거점의 택배사 지연",
        "a carrier delay": "택배사 사정",
        "weather": "기상 악화",
    },
}
GENERIC_EVENT = {"ko": "배송 상태 업데이트"}
GENERIC_DELAY = {"ko": "택배사 사정"}


def order_state(language: str, status: str | None) -> str:
    value = str(status or "")
    return ORDER_STATES.get(language, {}).get(value) or value.replace("_", " ")


def refund_state(language: str, status: str | None) -> str:
    value = str(status or "none")
    return REFUND_STATES.get(language, {}).get(value) or value.replace("_", " ")


def payment_method(language: str, method: str | None) -> str:
    if not method:
        return text(language, "refund_method_default")
    return PAYMENT_METHODS.get(language, {}).get(method) or method.replace("_", " ")


def tracking_event(language: str, description: str | None, *, delay: bool = False) -> str:
    """A tracking event / delay reason from the order system, in `language`."""
    if not description:
        return text(language, "delay_reason_default" if delay else "last_event_default")
    if language == "en":
        return description
    known = TRACKING_EVENTS.get(language, {}).get(description.strip().lower())
    if known:
        return known
    logger.info("no %s wording for tracking event %r", language, description)
    return (GENERIC_DELAY if delay else GENERIC_EVENT).get(language, description)


ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")


def date_text(language: str, value: str) -> str:
    """An ISO date (or timestamp) as the language writes dates: 2026년 12월 4일 in Korean."""
    match = ISO_DATE.match(value.strip())
    if not match:
        return value
    year, month, day = (int(g) for g in match.groups())
    if language == "ko":
        return f"{year}년 {month}월 {day}일"
    return f"{year:04d}-{month:02d}-{day:02d}"


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "–"


def _value(language: str, value: Any) -> Any:
    if value is None:
        return "–"
    if isinstance(value, str) and ISO_DATE.match(value.strip()):
        return date_text(language, value)
    return value


def text(language: str, key: str, **values: Any) -> str:
    """The message `key` in `language`, with `{placeholders}` filled (dates in the language's
    format). Every language has every key (tests/actions/test_messages.py); an unknown language
    gets English."""
    table = MESSAGES.get(language) or MESSAGES["en"]
    template = table.get(key)
    if template is None:  # a catalogue gap: the test fails on it; the customer still gets text
        logger.warning("text %r missing in %r", key, language)
        template = MESSAGES["en"][key]
    cleaned = {k: _value(language, v) for k, v in values.items()}
    return template.format_map(_Defaults(cleaned))


def say(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    key: str,
    buttons: list[dict[str, str]] | None = None,
    *,
    language: str | None = None,
    **values: Any,
) -> None:
    """Sends message `key` in the conversation's language (or `language` if given)."""
    language = language or str(tracker.get_slot("language") or "en")
    dispatcher.utter_message(text=text(language, key, **values), buttons=buttons or [])
