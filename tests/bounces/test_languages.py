"""Notices written in the language of the person who sent the mail: the reason comes from the words
in that language (stems and word order in ``codes/data/phrases.toml``), not from knowing the
service that wrote them.

Every notice here is written for these tests: a list server that refused a post, in the shape
hosted list services use (greeting, one sentence saying the list may not exist or the sender may
not post, a short list of possible causes), with our own names and wording in each language.
"""

from __future__ import annotations

import pytest

from inboxtrace.bounces import parse_bounce
from inboxtrace.model.bounce import BounceKind
from tests.bounces.test_generalize import only, text_bounce

LIST = "team-notes@lists.dest.example"

# (language, the refusal sentence) — each says "the list may not exist, or you may not post to it"
REFUSED_POSTS = [
    (
        "de",
        "Die Liste (team-notes) gibt es vielleicht nicht, oder Sie sind nicht berechtigt, dort Nachrichten zu posten.",
    ),
    ("de", "Sie haben keine Berechtigung, Beiträge in dieser Gruppe zu veröffentlichen."),
    (
        "fr",
        "La liste (team-notes) n'existe peut-être plus, ou vous n'êtes pas autorisé à y publier des messages.",
    ),
    (
        "es",
        "Es posible que la lista (team-notes) no exista o que no tengas permiso para publicar mensajes en ella.",
    ),
    ("es", "Puede que usted no esté autorizado para enviar mensajes a esta lista."),
    ("pt", "A lista (team-notes) pode não existir ou você não tem permissão para postar mensagens nela."),
    ("it", "La lista (team-notes) potrebbe non esistere oppure non hai il permesso di pubblicare messaggi."),
    (
        "nl",
        "De lijst (team-notes) bestaat misschien niet, of je hebt geen toestemming om er berichten te plaatsen.",
    ),
    ("pl", "Lista (team-notes) może nie istnieć albo nie masz uprawnień do publikowania w niej wiadomości."),
    ("cs", "Seznam (team-notes) možná neexistuje, nebo nemáte oprávnění do něj odesílat zprávy."),
    ("ru", "Возможно, список (team-notes) не существует или у вас нет прав на публикацию сообщений в нём."),
    ("uk", "Можливо, списку (team-notes) не існує, або ви не маєте права надсилати до нього повідомлення."),
    ("vi", "Danh sách (team-notes) có thể không tồn tại hoặc bạn không có quyền gửi thư vào đó."),
    ("tr", "Liste (team-notes) mevcut olmayabilir veya bu listeye ileti gönderme izniniz olmayabilir."),
    (
        "id",
        "Milis (team-notes) mungkin tidak ada, atau Anda tidak memiliki izin untuk mengirim pesan ke sana.",
    ),
    ("ja", "メーリングリスト（team-notes）が存在しないか、このリストに投稿する権限がありません。"),
    ("zh", "邮件列表（team-notes）可能不存在，或者您无权在该列表中发布邮件。"),
    ("zh-tw", "郵件清單（team-notes）可能不存在，或是您沒有權限在這個清單發佈訊息。"),
    ("ko", "메일링 리스트(team-notes)가 없거나 이 리스트에 메시지를 게시할 권한이 없습니다."),
    ("ar", "قد لا تكون القائمة (team-notes) موجودة، أو ليس لديك إذن بنشر الرسائل فيها."),
    ("he", "ייתכן שהרשימה (team-notes) לא קיימת, או שאין לך הרשאה לפרסם בה הודעות."),
    ("fa", "شاید فهرست (team-notes) وجود نداشته باشد یا مجوز ارسال پیام به آن را ندارید."),
    ("hi", "हो सकता है कि सूची (team-notes) मौजूद न हो, या आपको उसमें संदेश भेजने की अनुमति नहीं है."),
]


def _notice(sentence: str) -> bytes:
    body = (
        f"Hello alice@sender.example,\n\n{sentence}\n\n"
        " * The list name may be misspelled.\n * The list may have been removed.\n\n"
        "--\nlists.dest.example\n\n----- Original message -----\n\n"
        f"From: alice@sender.example\nTo: {LIST}\nSubject: minutes\n\nHere are the minutes.\n"
    )
    return text_bounce(
        body,
        sender="Mail Delivery Subsystem <mailer-daemon@lists.dest.example>",
        subject="Delivery Status Notification (Failure)",
        extra=f"X-Failed-Recipients: {LIST}\n",
    )


@pytest.mark.parametrize(
    ("lang", "sentence"), REFUSED_POSTS, ids=[f"{i}-{x[0]}" for i, x in enumerate(REFUSED_POSTS)]
)
def test_a_refused_post_is_a_refused_sender_in_every_language(lang: str, sentence: str) -> None:
    # "the list may not exist" is said too: the refusal of the poster is what the notice reports
    recipient, reason, _klass, hard = only(parse_bounce(_notice(sentence)))
    assert (recipient, reason, hard) == (LIST, "rejected", False), lang


def test_a_list_that_only_does_not_exist_is_not_a_refused_post() -> None:
    # the same shape without the "may not post" part: the words say the address is unknown
    sentence = "La liste (team-notes) n'existe pas sur ce serveur : adresse inconnue."
    _recipient, reason, _klass, _hard = only(parse_bounce(_notice(sentence)))
    assert reason != "rejected"


JAPANESE_REPORT = (
    "This is the mail system at host relay.sender.example.\n\n"
    "<tora@dest.example.jp>: host mx.dest.example.jp[192.0.2.7] said: 550 5.1.1\n"
    "    宛先のメールアドレスは存在しません (in reply to RCPT TO command)\n"
)


@pytest.mark.parametrize("actual", ["euc-jp", "shift_jis", "iso-2022-jp"])
def test_japanese_text_under_a_wrong_charset_label_is_still_read(actual: str) -> None:
    # the part says ISO-2022-JP (7-bit) but carries EUC-JP or Shift_JIS bytes, as Japanese
    # gateways often send: the words are read in the encoding that fits, not replaced by U+FFFD
    head = (
        "From: MAILER-DAEMON@relay.sender.example\nTo: alice@sender.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="ISO-2022-JP"\nContent-Transfer-Encoding: 7bit\n\n'
    )
    raw = head.encode() + JAPANESE_REPORT.encode(actual)
    report = parse_bounce(raw)
    recipient, reason, _klass, _hard = only(report)
    assert (recipient, reason) == ("tora@dest.example.jp", "userunknown")
    assert "存在しません" in report.recipients[0].verdict.text


def test_japanese_words_alone_decide_the_reason() -> None:
    # no enhanced status: the Japanese words say the mailbox is full (the number 552 alone would
    # mean a message too big)
    body = (
        "This is the mail system at host relay.sender.example.\n\n"
        "<tora@dest.example.jp>: host mx.dest.example.jp[192.0.2.7] said: 552\n"
        "    受信者のメールボックスが満杯です (in reply to RCPT TO command)\n"
    )
    head = (
        "From: MAILER-DAEMON@relay.sender.example\nTo: alice@sender.example\n"
        "Subject: Undelivered Mail Returned to Sender\nMIME-Version: 1.0\n"
        'Content-Type: text/plain; charset="UTF-8"\nContent-Transfer-Encoding: 8bit\n\n'
    )
    assert only(parse_bounce(head.encode() + body.encode()))[1] == "mailboxfull"


LABELED = [
    # (subject, body): a notice in the reader's language that names the recipient after a label
    (
        "Messaggio non recapitato",
        "Il messaggio non è stato recapitato.\n\nDestinatario: {rcpt}\nMotivo: casella piena\n",
    ),
    (
        "Mensagem não entregue",
        "Não foi possível entregar a mensagem.\n\nDestinatário: {rcpt}\nMotivo: caixa cheia\n",
    ),
    (
        "Письмо не доставлено",
        "Ваше письмо не удалось доставить.\n\nПолучатель: {rcpt}\nПричина: ящик переполнен\n",
    ),
    ("配信エラー", "メールを配信できませんでした。\n\n宛先: {rcpt}\n理由: メールボックスが満杯です\n"),
    ("退信通知", "您的邮件无法投递。\n\n收件人：{rcpt}\n原因：收件人邮箱空间不足\n"),
    (
        "메일 반송 안내",
        "메일을 전송하지 못했습니다.\n\n받는 사람: {rcpt}\n사유: 받는 사람의 메일함이 가득 찼습니다\n",
    ),
    (
        "Thư bị trả lại",
        "Không thể gửi thư của bạn.\n\nNgười nhận: {rcpt}\nLý do: hộp thư người nhận đã đầy\n",
    ),
]


@pytest.mark.parametrize(("subject", "body"), LABELED, ids=[s for s, _ in LABELED])
def test_a_notice_in_the_readers_language_names_its_recipient_after_a_label(subject: str, body: str) -> None:
    # the sender is no mail-system name: the subject says what the message is
    raw = text_bounce(
        body.format(rcpt="ops@dest.example"), subject=subject, sender="Service <service@relay.sender.example>"
    ).replace(b"charset=us-ascii", b"charset=utf-8")
    recipient, reason, _klass, _hard = only(parse_bounce(raw))
    assert (recipient, reason) == ("ops@dest.example", "mailboxfull")


def test_a_shop_mail_about_returning_goods_is_not_a_bounce() -> None:
    # "返送" (send back) and "trả lại" (give back) name returns of goods too: not bounce words
    for subject in ("商品の返送について", "Hướng dẫn trả lại hàng"):
        raw = text_bounce(
            "Please send the item back to returns@shop.example.\n",
            subject=subject,
            sender="Shop <orders@shop.example>",
        ).replace(b"charset=us-ascii", b"charset=utf-8")
        assert parse_bounce(raw).kind is BounceKind.NOT_BOUNCE
