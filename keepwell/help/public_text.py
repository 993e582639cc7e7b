"""The words of the public "ask for help" form, in each language it is offered in.

A table rather than gettext catalogues: the form is short, the words are reviewed by the
people who speak the language, and a group can read and correct them here in one place.
Every language must carry every key (a test checks it); need names fall back to English.
"""

from __future__ import annotations

DEFAULT = "en-gb"

TEXT: dict[str, dict] = {
    "en-gb": {
        "language_name": "English",
        "html_lang": "en-GB",
        "title": "Ask for help",
        "intro": "Tell us what help is needed. A volunteer coordinator will phone to arrange "
        "it, usually within a day. You can ask for yourself or for someone else.",
        "emergency": "If someone is very unwell or in danger, call 999. For urgent medical "
        "help, call 111.",
        "about_person": "Who needs help",
        "about_need": "What help is needed",
        "about_you": "If you are asking for someone else",
        "submit": "Send",
        "required": "This question needs an answer",
        "any_language": "English is fine",
        "bad_postcode": "Enter a full postcode, like WB2 1AB",
        "need_requester": "Enter your name, so we know who asked",
        "too_many": "Too many requests have come from this connection. Try again in an hour, "
        "or phone the helpline.",
        "other_language": "Ler em português",
        "done_title": "Thank you: we have your request",
        "done_body": "A volunteer coordinator from {organisation} will phone to arrange the "
        "help. If it becomes urgent, call 111, or 999 in an emergency.",
        "fields": {
            "given_name": {"label": "First name", "required": "Enter the first name"},
            "family_name": {"label": "Last name"},
            "phone": {
                "label": "Phone number",
                "hint": "We will phone this number to arrange the help",
                "required": "Enter a phone number",
            },
            "address": {"label": "Address", "hint": "House number and street"},
            "postcode": {"label": "Postcode", "required": "Enter the postcode"},
            "need_type": {"label": "What help is needed?", "required": "Choose the help needed"},
            "details": {
                "label": "Anything else we should know",
                "hint": "For example: the shopping list, the pharmacy, when is best",
            },
            "language": {"label": "Language they would like to speak"},
            "on_behalf": {"label": "I am asking for someone else"},
            "requester_name": {"label": "Your name"},
            "requester_phone": {"label": "Your phone number"},
            "requester_relationship": {
                "label": "How you know them",
                "hint": "For example: daughter, neighbour",
            },
            "consent": {
                "label": "I agree that the group may keep these details to arrange help, and "
                "that the person knows we will call",
                "required": "Confirm you agree, so we can arrange the help",
            },
        },
        "needs": {},
    },
    "pt": {
        "language_name": "Português",
        "html_lang": "pt",
        "title": "Pedir ajuda",
        "intro": "Diga-nos que ajuda é precisa. Um coordenador de voluntários vai telefonar "
        "para a organizar, normalmente no prazo de um dia. Pode pedir para si ou para outra "
        "pessoa.",
        "emergency": "Se alguém estiver muito doente ou em perigo, ligue 999. Para ajuda "
        "médica urgente, ligue 111.",
        "about_person": "Quem precisa de ajuda",
        "about_need": "Que ajuda é precisa",
        "about_you": "Se está a pedir por outra pessoa",
        "submit": "Enviar",
        "required": "Esta pergunta precisa de resposta",
        "any_language": "Inglês serve",
        "bad_postcode": "Escreva o código postal completo, por exemplo WB2 1AB",
        "need_requester": "Escreva o seu nome, para sabermos quem pediu",
        "too_many": "Chegaram demasiados pedidos desta ligação. Tente de novo dentro de uma "
        "hora, ou telefone para a linha de apoio.",
        "other_language": "Read in English",
        "done_title": "Obrigado: recebemos o seu pedido",
        "done_body": "Um coordenador de voluntários de {organisation} vai telefonar para "
        "organizar a ajuda. Se se tornar urgente, ligue 111, ou 999 numa emergência.",
        "fields": {
            "given_name": {"label": "Nome próprio", "required": "Escreva o nome próprio"},
            "family_name": {"label": "Apelido"},
            "phone": {
                "label": "Número de telefone",
                "hint": "Vamos ligar para este número para organizar a ajuda",
                "required": "Escreva um número de telefone",
            },
            "address": {"label": "Morada", "hint": "Número da casa e rua"},
            "postcode": {"label": "Código postal", "required": "Escreva o código postal"},
            "need_type": {
                "label": "Que ajuda é precisa?",
                "required": "Escolha a ajuda que é precisa",
            },
            "details": {
                "label": "Mais alguma coisa que devamos saber",
                "hint": "Por exemplo: a lista de compras, a farmácia, a melhor hora",
            },
            "language": {"label": "Língua em que prefere falar"},
            "on_behalf": {"label": "Estou a pedir por outra pessoa"},
            "requester_name": {"label": "O seu nome"},
            "requester_phone": {"label": "O seu número de telefone"},
            "requester_relationship": {
                "label": "Como a conhece",
                "hint": "Por exemplo: filha, vizinho",
            },
            "consent": {
                "label": "Concordo que o grupo guarde estes dados para organizar a ajuda, e a "
                "pessoa sabe que vamos telefonar",
                "required": "Confirme que concorda, para podermos organizar a ajuda",
            },
        },
        "needs": {
            "shopping": "Compras",
            "prescription": "Levantar e entregar receitas médicas",
            "food_parcel": "Cabaz de comida",
            "hot_meal": "Refeição quente",
            "phone_check_in": "Telefonema para saber como está",
            "befriending": "Companhia (conversas regulares)",
            "dog_walking": "Passear o cão",
            "gardening": "Jardinagem",
            "hospital_run": "Transporte ao hospital",
            "comfort_pack": "Kit de conforto para o hospital",
            "digital_help": "Equipamento informático e ajuda digital",
            "interpreting": "Interpretação",
            "other": "Outra coisa",
        },
    },
}

# The other language offered from each page, for the "read in ..." link.
OTHER = {"en-gb": "pt", "pt": "en-gb"}


def pick(requested: str | None, negotiated: str | None = None) -> str:
    """The form language: the one asked for in the link, else the browser's, else English."""
    for lang in (requested, negotiated):
        if not lang:
            continue
        lang = lang.lower()
        if lang in TEXT:
            return lang
        if lang.split("-")[0] in TEXT:
            return lang.split("-")[0]
        if lang.startswith("en"):
            return DEFAULT
    return DEFAULT


def text_for(lang: str) -> dict:
    return TEXT.get(lang, TEXT[DEFAULT])
