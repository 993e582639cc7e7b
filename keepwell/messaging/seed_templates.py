"""The words keepwell starts with: every kind in English and Portuguese, approved, and a
draft for each community language waiting for a translator.

Pure data (no Django): ``migrations/0002_seed_templates.py`` reads it. Changing it changes
only databases migrated afterwards; new words for a running site go through the template
pages (a translator, then a named reviewer), or a new migration.

Channel ``""`` is any channel: its subject is used by email, letters and the inbox, and a
text ignores it. A channel's own row is there only where it needs other words: the text
for a task offer asks for YES or NO (SIM or NÃO), and a follow-up for someone offline is a
coordinator's call script. Portuguese is written to read naturally in Portugal (Madeira
included) and in Brazil: no "você"/"tu", and words both share.
"""

from __future__ import annotations

from keepwell.messaging.kinds import KINDS, TRANSLATOR_LANGUAGES

SEED_USERNAME = "keepwell-seed"
SEED_DISPLAY_NAME = "keepwell (seeded wording)"

# (key, channel, language, subject, body)
APPROVED: tuple[tuple[str, str, str, str, str], ...] = (
    # --- volunteers ------------------------------------------------------------------------
    (
        "task_offer",
        "",
        "en",
        "Can you help with ((need))?",
        "Hello ((name)), can you help with ((need)) in ((area)), ((when))? "
        "Sign in to keepwell to say yes or no. Thank you.",
    ),
    (
        "task_offer",
        "",
        "pt",
        "Pode ajudar com ((need))?",
        "Olá ((name)), pode ajudar com ((need)) em ((area)), ((when))? "
        "Entre no keepwell para responder sim ou não. Obrigado.",
    ),
    (
        "task_offer",
        "sms",
        "en",
        "",
        "keepwell: Hello ((name)), can you help with ((need)) in ((area)), ((when))? "
        "Reply YES or NO.",
    ),
    (
        "task_offer",
        "sms",
        "pt",
        "",
        "keepwell: Olá ((name)), pode ajudar com ((need)) em ((area)), ((when))? "
        "Responda SIM ou NÃO.",
    ),
    (
        "task_reminder",
        "",
        "en",
        "Reminder: ((need)), ((when))",
        "Hello ((name)), a reminder that you are helping with ((need)), ((when)). "
        "The address and details are here once you sign in: ((url)) Thank you.",
    ),
    (
        "task_reminder",
        "",
        "pt",
        "Lembrete: ((need)), ((when))",
        "Olá ((name)), lembramos que vai ajudar com ((need)), ((when)). "
        "O endereço e os detalhes estão aqui, depois de entrar: ((url)) Obrigado.",
    ),
    (
        "offer_accepted",
        "",
        "en",
        "The task is yours: ((need))",
        "Thank you ((name)), the task is yours: ((need)). "
        "See the details once you sign in: ((url))",
    ),
    (
        "offer_accepted",
        "",
        "pt",
        "A tarefa é sua: ((need))",
        "Obrigado, ((name)), a tarefa é sua: ((need)). Veja os detalhes depois de entrar: ((url))",
    ),
    (
        "offer_declined",
        "",
        "en",
        "Thank you for your answer",
        "Thank you ((name)), we have your answer. We will ask someone else this time.",
    ),
    (
        "offer_declined",
        "",
        "pt",
        "Obrigado pela sua resposta",
        "Obrigado, ((name)), recebemos a sua resposta. Desta vez vamos pedir a outra pessoa.",
    ),
    (
        "offer_taken",
        "",
        "en",
        "Someone else has taken this task",
        "Thank you ((name)). Someone else has already taken this task: ((need)). "
        "We will let you know about the next one.",
    ),
    (
        "offer_taken",
        "",
        "pt",
        "Outra pessoa já ficou com esta tarefa",
        "Obrigado, ((name)). Outra pessoa já ficou com esta tarefa: ((need)). "
        "Avisaremos quando houver outra.",
    ),
    (
        "timebank_approval",
        "",
        "en",
        "Time bank hours to look at",
        "There are time bank hours for you to look at on keepwell: hours waiting for "
        "approval, or a decision about hours you logged. See them once you sign in: ((url))",
    ),
    (
        "timebank_approval",
        "",
        "pt",
        "Horas do banco de tempo para ver",
        "Há horas do banco de tempo para ver no keepwell: horas que aguardam aprovação, ou "
        "uma decisão sobre horas que indicou. Veja-as depois de entrar: ((url))",
    ),
    (
        "timebank_welcome",
        "",
        "en",
        "Welcome to ((bank))",
        "keepwell: welcome to ((bank)). You can now offer and ask for hours. "
        "See your account once you sign in: ((url))",
    ),
    (
        "timebank_welcome",
        "",
        "pt",
        "Bem-vindo ao ((bank))",
        "keepwell: bem-vindo ao ((bank)). Já pode oferecer e pedir horas. "
        "Veja a sua conta depois de entrar: ((url))",
    ),
    (
        "timebank_not_now",
        "",
        "en",
        "Your request to join ((bank))",
        "keepwell: ((bank)) cannot take you as a member for now. One of its brokers will "
        "tell you why and what you can do. The time bank: ((url))",
    ),
    (
        "timebank_not_now",
        "",
        "pt",
        "O seu pedido para entrar no ((bank))",
        "keepwell: o ((bank)) não pode aceitá-lo como membro por agora. Um dos seus "
        "responsáveis vai explicar porquê e o que pode fazer. O banco de tempo: ((url))",
    ),
    (
        "check_expiring",
        "",
        "en",
        "A check ends on ((date))",
        "A ((check)) check on keepwell ends on ((date)). "
        "Sign in to see whose it is and what to do: ((url))",
    ),
    (
        "check_expiring",
        "",
        "pt",
        "Uma verificação termina no dia ((date))",
        "Uma verificação ((check)) no keepwell termina no dia ((date)). "
        "Entre no keepwell para ver de quem é e o que fazer: ((url))",
    ),
    (
        "expense_approved",
        "",
        "en",
        "Your claim ((reference)) is approved",
        "Your expenses claim ((reference)) for ((amount)) is approved and will be paid. "
        "Thank you. See it once you sign in: ((url))",
    ),
    (
        "expense_approved",
        "",
        "pt",
        "O seu pedido ((reference)) foi aprovado",
        "O seu pedido de despesas ((reference)) de ((amount)) foi aprovado e vai ser pago. "
        "Obrigado. Veja-o depois de entrar: ((url))",
    ),
    (
        "expense_rejected",
        "",
        "en",
        "Your claim ((reference)) was not approved",
        "Your expenses claim ((reference)) for ((amount)) was not approved. Sign in to read "
        "why and what you can do: ((url))",
    ),
    (
        "expense_rejected",
        "",
        "pt",
        "O seu pedido ((reference)) não foi aprovado",
        "O seu pedido de despesas ((reference)) de ((amount)) não foi aprovado. Entre no "
        "keepwell para ler o motivo e o que pode fazer: ((url))",
    ),
    (
        "expense_paid",
        "",
        "en",
        "Your claim ((reference)) is being paid",
        "Your expenses claim ((reference)) for ((amount)) has gone to be paid. "
        "See it once you sign in: ((url))",
    ),
    (
        "expense_paid",
        "",
        "pt",
        "O seu pedido ((reference)) foi enviado para pagamento",
        "O seu pedido de despesas ((reference)) de ((amount)) foi enviado para pagamento. "
        "Veja-o depois de entrar: ((url))",
    ),
    # --- staff: a link only ----------------------------------------------------------------
    (
        "concern_routed",
        "",
        "en",
        "A doorstep concern for your team",
        "A concern raised on a doorstep visit has been sent to your team on keepwell. "
        "Sign in to read it and say who will pick it up: ((url))",
    ),
    (
        "concern_routed",
        "",
        "pt",
        "Uma preocupação de uma visita para a sua organização",
        "Foi enviada à sua organização, no keepwell, uma preocupação identificada numa "
        "visita porta a porta. Entre no keepwell para ver os detalhes e indicar quem vai "
        "tratar do assunto: ((url))",
    ),
    (
        "concern_escalated",
        "",
        "en",
        "A doorstep concern nobody has picked up",
        "A concern raised on a doorstep visit has not been picked up in time. "
        "Sign in and make sure someone acts on it today: ((url))",
    ),
    (
        "concern_escalated",
        "",
        "pt",
        "Uma preocupação de uma visita sem resposta",
        "Uma preocupação identificada numa visita porta a porta ainda não teve resposta "
        "dentro do prazo. Entre no keepwell e garanta que alguém trata dela hoje: ((url))",
    ),
    (
        "referral_new",
        "",
        "en",
        "A new referral for your service",
        "Someone has been referred to your service on keepwell. "
        "Sign in to see the referral and get in touch with them: ((url))",
    ),
    (
        "referral_new",
        "",
        "pt",
        "Um novo encaminhamento para o seu serviço",
        "Uma pessoa foi encaminhada para o seu serviço no keepwell. "
        "Entre no keepwell para ver o encaminhamento e falar com a pessoa: ((url))",
    ),
    (
        "referral_status",
        "",
        "en",
        "A referral you made: ((status))",
        "A referral you made on keepwell is now: ((status)). See it once you sign in: ((url))",
    ),
    (
        "referral_status",
        "",
        "pt",
        "Um encaminhamento que fez: ((status))",
        "Há uma atualização de um encaminhamento que fez no keepwell: ((status)). "
        "Veja os detalhes depois de entrar: ((url))",
    ),
    (
        "referral_reminder",
        "",
        "en",
        "A referral is waiting for first contact",
        "A referral to your service has waited ((days)) working days for first contact. "
        "Sign in and get in touch with the person: ((url))",
    ),
    (
        "referral_reminder",
        "",
        "pt",
        "Um encaminhamento aguarda resposta",
        "Um encaminhamento para o seu serviço aguarda há ((days)) dias úteis que alguém "
        "fale com a pessoa. Entre no keepwell e fale com ela: ((url))",
    ),
    (
        "referral_escalation",
        "",
        "en",
        "A referral is overdue for first contact",
        "A referral has waited ((days)) working days without first contact, longer than "
        "the service promises. Sign in and make sure someone gets in touch today: ((url))",
    ),
    (
        "referral_escalation",
        "",
        "pt",
        "Um encaminhamento está atrasado",
        "Um encaminhamento aguarda há ((days)) dias úteis sem que ninguém tenha falado com "
        "a pessoa, mais do que o prazo do serviço. Entre no keepwell e garanta que alguém "
        "fala com ela hoje: ((url))",
    ),
    (
        "follow_up_due",
        "",
        "en",
        "((count)) follow-ups are due",
        "((count)) follow-ups are due. See the list: ((url))",
    ),
    (
        "follow_up_due",
        "",
        "pt",
        "Há ((count)) acompanhamentos pendentes",
        "Há ((count)) acompanhamentos pendentes. Veja a lista: ((url))",
    ),
    (
        "grant_report_due",
        "",
        "en",
        "Your ((report)) is due on ((date))",
        "Your ((report)) for the ((programme)) grant is due on ((date)). "
        "See the grant and what to send: ((url))",
    ),
    (
        "grant_report_due",
        "",
        "pt",
        "O seu ((report)) deve ser entregue a ((date))",
        "O seu ((report)) da subvenção ((programme)) deve ser entregue a ((date)). "
        "Veja a subvenção e o que enviar: ((url))",
    ),
    # --- the people helped -----------------------------------------------------------------
    (
        "referral_update",
        "",
        "en",
        "News about your referral",
        "Hello ((name)), there is news about your referral. "
        "You can see it here once you sign in: ((url))",
    ),
    (
        "referral_update",
        "",
        "pt",
        "Novidades sobre o seu encaminhamento",
        "Olá ((name)), há novidades sobre o seu encaminhamento. "
        "Pode ver os detalhes aqui, depois de entrar: ((url))",
    ),
    (
        "outcome_follow_up",
        "",
        "en",
        "How are things now?",
        "Hello ((name)), we would like to know how things are for you now. "
        "Please answer a few short questions here: ((url)) Thank you.",
    ),
    (
        "outcome_follow_up",
        "",
        "pt",
        "Como estão as coisas agora?",
        "Olá ((name)), gostaríamos de saber como está agora. "
        "Pode responder a algumas perguntas curtas aqui: ((url)) Obrigado.",
    ),
    (
        "outcome_follow_up",
        "phone",
        "en",
        "Follow-up call",
        "Ask for ((name)). Say who you are, and that you are calling from keepwell about "
        "the help they had. Ask if now is a good time to talk. Then ask the questions on "
        "this form, filling it in as they answer: ((url)) If they would rather not answer, "
        "thank them and note that on the form.",
    ),
    (
        "outcome_follow_up",
        "phone",
        "pt",
        "Chamada de acompanhamento",
        "Pergunte por ((name)). Diga quem é e que telefona do keepwell sobre a ajuda que a "
        "pessoa recebeu. Pergunte se pode falar agora. Depois faça as perguntas deste "
        "formulário e preencha-o à medida que a pessoa responde: ((url)) Se a pessoa "
        "preferir não responder, agradeça e anote isso no formulário.",
    ),
    (
        "help_request_received",
        "",
        "en",
        "We have your message",
        "keepwell: thank you, we have your message. Someone will call you back soon. "
        "In an emergency, call 999.",
    ),
    (
        "help_request_received",
        "",
        "pt",
        "Recebemos a sua mensagem",
        "keepwell: obrigado, recebemos a sua mensagem. Vamos telefonar em breve. "
        "Em caso de emergência, ligue para o 999.",
    ),
    (
        "stop_confirmed",
        "",
        "en",
        "You will get no more texts",
        "keepwell: you will not get any more texts from us. Text START to get them again.",
    ),
    (
        "stop_confirmed",
        "",
        "pt",
        "Não vai receber mais mensagens",
        "keepwell: não vai receber mais mensagens nossas. Envie START para voltar a recebê-las.",
    ),
    (
        "start_confirmed",
        "",
        "en",
        "Texts are on again",
        "keepwell: texts from us are on again. Text STOP at any time to stop them.",
    ),
    (
        "start_confirmed",
        "",
        "pt",
        "As mensagens voltaram",
        "keepwell: vai voltar a receber as nossas mensagens. "
        "Envie STOP a qualquer momento para parar.",
    ),
    # --- spaces: a link only, the group named after signing in ----------------------------
    (
        "booking_requested",
        "",
        "en",
        "A booking of ((space)) to decide",
        "A group asked to book ((space)) from ((when)), for ((weeks)) week(s). "
        "Sign in to approve or decline it: ((url))",
    ),
    (
        "booking_requested",
        "",
        "pt",
        "Uma reserva de ((space)) para decidir",
        "Um grupo pediu para reservar ((space)) a partir de ((when)), durante ((weeks)) "
        "semana(s). Entre no keepwell para aprovar ou recusar: ((url))",
    ),
    (
        "booking_approved",
        "",
        "en",
        "Your booking of ((space)) is approved",
        "Your booking of ((space)) from ((when)), for ((weeks)) week(s), is approved. "
        "See it once you sign in: ((url))",
    ),
    (
        "booking_approved",
        "",
        "pt",
        "A sua reserva de ((space)) foi aprovada",
        "A sua reserva de ((space)) a partir de ((when)), durante ((weeks)) semana(s), foi "
        "aprovada. Veja-a depois de entrar: ((url))",
    ),
    (
        "booking_declined",
        "",
        "en",
        "Your booking of ((space)) was declined",
        "Your booking of ((space)) from ((when)), for ((weeks)) week(s), was declined. "
        "The reason given: ((reason)). See it once you sign in: ((url))",
    ),
    (
        "booking_declined",
        "",
        "pt",
        "A sua reserva de ((space)) foi recusada",
        "A sua reserva de ((space)) a partir de ((when)), durante ((weeks)) semana(s), foi "
        "recusada. O motivo indicado: ((reason)). Veja-a depois de entrar: ((url))",
    ),
    (
        "booking_cancelled",
        "",
        "en",
        "A booking of ((space)) is cancelled",
        "The booking of ((space)) from ((when)), for ((weeks)) week(s), is cancelled. "
        "See it once you sign in: ((url))",
    ),
    (
        "booking_cancelled",
        "",
        "pt",
        "Uma reserva de ((space)) foi cancelada",
        "A reserva de ((space)) a partir de ((when)), durante ((weeks)) semana(s), foi "
        "cancelada. Veja-a depois de entrar: ((url))",
    ),
    # --- you said, we did ------------------------------------------------------------------
    (
        "voice_answered",
        "",
        "en",
        "An answer to what you raised",
        "keepwell: “((title))”, which you raised, is now: ((status)). Read the answer: ((url))",
    ),
    (
        "voice_answered",
        "",
        "pt",
        "Uma resposta ao que nos disse",
        "keepwell: “((title))”, que nos fez chegar, está agora: ((status)). "
        "Leia a resposta: ((url))",
    ),
    # --- what matters to you ----------------------------------------------------------------
    (
        "survey_invitation",
        "",
        "en",
        "What matters to you where you live?",
        "keepwell: ((survey)). Tell the NHS and local partners what matters to you. It takes "
        "a few minutes and your answers carry no name: ((url)) (or go to ((start)) and type "
        "the code ((code))).",
    ),
    (
        "survey_invitation",
        "",
        "pt",
        "O que é importante para si onde vive?",
        "keepwell: ((survey)). Diga ao NHS e aos parceiros locais o que é importante para si. "
        "Leva poucos minutos e as respostas não levam o seu nome: ((url)) (ou vá a "
        "((start)) e escreva o código ((code))).",
    ),
    # --- words written by people: a broadcast's sender, a coordinator's reply --------------
    ("broadcast", "", "en", "News from keepwell", "((body))"),
    ("broadcast", "", "pt", "Notícias do keepwell", "((body))"),
    ("reply", "", "en", "A reply from keepwell", "((body))"),
    ("reply", "", "pt", "Uma resposta do keepwell", "((body))"),
)

_CHANNEL_NOTES = {
    "sms": " The text message: keep it short; keep YES and NO to reply with.",
    "phone": " This is a coordinator's call script, read out on the phone.",
}


def translator_note(key: str, channel: str) -> str:
    """What a translator is told about the words they are writing (the field holds 300)."""
    return KINDS[key].description + _CHANNEL_NOTES.get(channel, "")


def rows() -> list[dict]:
    """Every seeded row: the approved English and Portuguese, and the drafts for the rest."""
    seeded = []
    for key, channel, language, subject, body in APPROVED:
        seeded.append(
            {
                "key": key,
                "channel": channel,
                "language": language,
                "subject": subject,
                "body": body,
                "description": translator_note(key, channel),
                "approved": True,
            }
        )
    english = [(key, channel) for key, channel, language, *_ in APPROVED if language == "en"]
    for key, channel in english:
        for language in TRANSLATOR_LANGUAGES:
            seeded.append(
                {
                    "key": key,
                    "channel": channel,
                    "language": language,
                    "subject": "",
                    "body": "",
                    "description": translator_note(key, channel),
                    "approved": False,
                }
            )
    return seeded
