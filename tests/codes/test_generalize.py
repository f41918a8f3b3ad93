"""Reply texts in wordings the phrase tables were not written from: the words decide, the number
only when the words say nothing, and the explanation says when they disagree.

The replies are written for these tests in the shapes real servers use (Postfix, qmail, Exim,
Exchange, hosted mail), with other names, addresses and word orders.
"""

from __future__ import annotations

import pytest

from inboxtrace.codes import classify

PLAIN_WORDS = [
    # the reason is in plain words; nothing should fall back to on hold / undefined
    ("550 5.1.1 The mailbox anna.k@dest.example does not exist", "userunknown"),
    ("550 5.1.1 Recipient account anna.k does not exist here", "userunknown"),
    ("550 5.1.1 No mail box available for this user", "userunknown"),
    ("550 5.1.1 No mailbox here by that name", "userunknown"),
    ("550 5.1.1 BAD_RECIPIENT", "userunknown"),
    ("550 5.1.1 bad-recipient: rcpt not accepted", "userunknown"),
    ("550 Receiver not found: opsdesk", "userunknown"),
    ("552 5.2.2 Mailbox quota usage exceeded", "mailboxfull"),
    ("452 4.2.2 Mailbox disk quota has been reached", "mailboxfull"),
    (
        "Sorry, the user's maildir has overdrawn his diskspace quota, please try again later. (#4.2.2)",
        "mailboxfull",
    ),
    ("The users mailfolder is over the allowed quota (size). (#5.2.2)", "mailboxfull"),
    ("552 5.3.4 Message size exceeded the maximum incoming message size", "emailtoolarge"),
    ("552 5.3.4 Your e-mail is larger than the max. allowed e-mail size", "emailtoolarge"),
]


@pytest.mark.parametrize(("reply", "reason"), PLAIN_WORDS)
def test_plain_words_decide(reply: str, reason: str) -> None:
    assert classify(reply).reason == reason


WORDS_OVER_NUMBERS = [
    # the number alone would say "message too large"; the words say the mailbox is full
    ("552 Sorry, the mailbox of this user is full", "mailboxfull", "552"),
    ("552 Requested action aborted: mail-box for anna is now full", "mailboxfull", "552"),
    ("452 Too many messages stored in this mailbox", "mailboxfull", "452"),
    ("452 Too many messages on the server for this user", "mailboxfull", "452"),
    ("552 Disk Quota Exceeded", "mailboxfull", "552"),
    # 553 alone reads as a refused sender; qmail writes "(#5.7.1)" for relay refusals and for
    # mailboxes it does not have
    ("553 sorry, user mail-box not found (#5.7.1)", "userunknown", "553"),
    ("553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)", "norelaying", "553"),
    # 500 alone is a syntax error; the words call the message unsolicited
    ("500 Your message appears to be unsolicited bulk e-mail", "spamdetected", "500"),
]


@pytest.mark.parametrize(("reply", "reason", "code"), WORDS_OVER_NUMBERS)
def test_words_win_over_the_number_and_the_explanation_says_so(reply: str, reason: str, code: str) -> None:
    verdict = classify(reply)
    assert verdict.reason == reason
    assert f"The code {code} says" in verdict.explanation
    assert "the text wins" in verdict.explanation


def test_no_disagreement_note_when_the_number_and_words_agree() -> None:
    verdict = classify("552 Message size exceeds the limit of this server")
    assert verdict.reason == "emailtoolarge"
    assert "the text wins" not in verdict.explanation


def test_many_messages_per_hour_is_still_a_rate() -> None:
    # the mailbox exception must not swallow real rate limits
    assert classify("452 4.3.2 Too many messages from your IP, slow down").reason == "ratelimited"
    assert classify("421 Too many messages in this session").reason == "ratelimited"


def test_nonexistent_user_under_a_policy_status_is_the_address() -> None:
    # "5.7.1" with a text about a dead address: the words, not the policy class of the status
    for reply in ("550 5.7.1 Nonexistent user", "550 5.7.1 user non-existent (in reply to RCPT TO command)"):
        verdict = classify(reply)
        assert verdict.reason == "userunknown", reply
        assert "The code 5.7.1 says" in verdict.explanation and "the text wins" in verdict.explanation
    # a policy status with a policy-like text (spam) is no disagreement worth a note
    assert "the text wins" not in classify("554 5.7.1 Message rejected as spam").explanation


@pytest.mark.parametrize(
    "reply",
    [
        "550 5.7.1 You are not allowed to post to this mailing list",
        "550 Only list members may post to team@lists.example.org",
        "553 You do not have permission to post messages to this group",
        "550 Posting to this list is restricted to its subscribers",
    ],
)
def test_list_servers_refusing_a_post_refuse_the_sender(reply: str) -> None:
    assert classify(reply).reason == "rejected"


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # a disabled account is not a filter: the words say suspended, with words in between
        ("554 delivery error: This user's account has been temporarily suspended", "suspend"),
        ("550 5.2.1 Mailbox is now administratively disabled", "suspend"),
        # an authentication demand is a security error, not a generic policy
        ("550 5.7.1 Client was not authenticated", "securityerror"),
        ("530 5.7.0 Authentication required", "securityerror"),
        # the specific words before the generic "policy" that often follows them
        ("550 5.7.1 Authentication required by local policy", "securityerror"),
        # the clock ran out, in the words MTAs use
        ("Delivery expired (message too old)", "expired"),
        ("550 Maximum retries reached for this message", "expired"),
        ("554 5.4.7 delivery attempts exhausted", "expired"),
    ],
)
def test_suspend_security_and_expiry_in_their_own_words(reply: str, reason: str) -> None:
    assert classify(reply).reason == reason


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("550 5.1.1 Empfänger unbekannt", "userunknown"),
        ("550 Diese E-Mail-Adresse existiert nicht", "userunknown"),
        ("452 Das Postfach des Empfängers ist voll", "mailboxfull"),
        ("550 Destinataire inconnu", "userunknown"),
        ("552 La boîte aux lettres du destinataire est pleine", "mailboxfull"),
        ("550 El buzón no existe", "userunknown"),
        ("552 Buzón lleno", "mailboxfull"),
        ("550 Indirizzo inesistente", "userunknown"),
        ("552 La casella di posta è piena", "mailboxfull"),
        ("550 Endereço inexistente", "userunknown"),
        ("552 Caixa de correio cheia", "mailboxfull"),
        ("550 Ontvanger bestaat niet", "userunknown"),
        ("550 Odbiorca nie istnieje", "userunknown"),
        ("550 Нет такого пользователя", "userunknown"),
        ("552 Почтовый ящик переполнен", "mailboxfull"),
        # a domain that does not exist is the domain, in every language
        ("550 El dominio destino.example no existe", "hostunknown"),
        ("550 Le domaine n'existe pas", "hostunknown"),
    ],
)
def test_the_same_reasons_in_the_languages_servers_answer_in(reply: str, reason: str) -> None:
    assert classify(reply).reason == reason


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        # the address does not exist (ja, zh-CN, zh-TW, ko, vi)
        ("550 宛先のメールアドレスは存在しません", "userunknown"),
        ("550 指定されたユーザーが見つかりません", "userunknown"),
        ("550 收件人地址不存在", "userunknown"),
        ("550 帳戶不存在，請確認地址", "userunknown"),
        ("550 수신자 주소를 찾을 수 없습니다", "userunknown"),
        ("550 Địa chỉ email không tồn tại", "userunknown"),
        # "not found" after the noun, in English and the languages servers answer in
        ("550 5.1.1 The e-mail address you entered couldn't be found", "userunknown"),
        ("550 The recipient you specified was not found", "userunknown"),
        ("550 L'adresse du destinataire est introuvable", "userunknown"),
        ("550 La dirección de correo no se encuentra en este servidor", "userunknown"),
        ("550 O endereço do destinatário não foi encontrado", "userunknown"),
        ("550 L'indirizzo del destinatario non è stato trovato", "userunknown"),
        ("550 Het adres van de ontvanger is niet gevonden", "userunknown"),
        # a plural is the same word ("policies")
        ("554 Email rejected due to security policies", "securityerror"),
        ("550 5.7.1 Rejected by our mail policies", "policyviolation"),
        # the mailbox is full
        ("552 受信者のメールボックスが満杯です", "mailboxfull"),
        ("552 收件人邮箱空间不足", "mailboxfull"),
        ("552 받는 사람의 메일함이 가득 찼습니다", "mailboxfull"),
        ("552 Hộp thư người nhận đã đầy", "mailboxfull"),
        # the domain does not exist
        ("550 宛先ドメインが存在しません", "hostunknown"),
        ("550 收件人域名不存在", "hostunknown"),
        # the account is suspended or disabled
        ("550 Das Konto ist gesperrt", "suspend"),
        ("550 Ce compte est suspendu", "suspend"),
        ("550 La cuenta está desactivada", "suspend"),
        ("550 A conta foi suspensa", "suspend"),
        ("550 Почтовый ящик заблокирован", "suspend"),
        ("550 このアカウントは利用停止中です", "suspend"),
        ("550 该账户已被冻结", "suspend"),
        ("550 Tài khoản đã bị khóa", "suspend"),
        # the message is too big (not the mailbox)
        ("552 Die Nachricht ist zu groß", "emailtoolarge"),
        ("552 Message trop volumineux", "emailtoolarge"),
        ("552 El mensaje es demasiado grande", "emailtoolarge"),
        ("552 Превышен максимальный размер сообщения", "emailtoolarge"),
        ("552 メールのサイズが上限を超えています", "emailtoolarge"),
        ("552 邮件大小超过限制", "emailtoolarge"),
        # spam, in the words of the receiving filter
        ("554 迷惑メールと判定されたため受信を拒否しました", "spamdetected"),
        ("554 该邮件被判定为垃圾邮件", "spamdetected"),
    ],
)
def test_east_asian_vietnamese_and_more_european_wordings(reply: str, reason: str) -> None:
    assert classify(reply).reason == reason
