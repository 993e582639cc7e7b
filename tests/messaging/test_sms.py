"""What a text costs: GSM-7 or UCS-2, characters, parts and pence."""

from hypothesis import given
from hypothesis import strategies as st

from keepwell.messaging import sms

gsm_text = st.text(alphabet=sorted(sms.GSM_BASIC | sms.GSM_EXTENSION), max_size=800)
any_text = st.text(max_size=800)
non_gsm_char = st.characters(
    exclude_characters="".join(sms.GSM_BASIC | sms.GSM_EXTENSION), exclude_categories=["Cs"]
)


def test_plain_english_is_gsm7_and_one_part_up_to_160():
    assert sms.encoding("Hello Jo, can you help with shopping? Reply YES or NO") == "GSM-7"
    assert sms.parts("a" * 160) == 1
    assert sms.parts("a" * 161) == 2
    assert sms.parts("a" * 306) == 2
    assert sms.parts("a" * 307) == 3


def test_extension_characters_count_two():
    assert sms.encoding("€5 [ok]") == "GSM-7"
    assert sms.characters("€5 [ok]") == 10
    assert sms.parts("€" * 80) == 1
    assert sms.parts("€" * 81) == 2


def test_portuguese_a_tilde_and_c_cedilla_force_ucs2_but_e_acute_and_u_umlaut_do_not():
    assert sms.encoding("Olá, pode ajudar? Responda SIM ou NÃO") == "UCS-2"
    assert sms.encoding("ação") == "UCS-2"
    assert sms.encoding("ç") == "UCS-2"
    assert sms.encoding("ã") == "UCS-2"
    assert sms.encoding("café") == "GSM-7"
    assert sms.encoding("Müller") == "GSM-7"


def test_urdu_bengali_and_arabic_go_as_ucs2_at_70_a_part():
    for text in ("آپ کی مدد کی ضرورت ہے", "আপনার সাহায্য দরকার", "نحتاج مساعدتك"):
        assert sms.encoding(text) == "UCS-2"
    assert sms.parts("ب" * 70) == 1
    assert sms.parts("ب" * 71) == 2
    assert sms.parts("ب" * 134) == 2
    assert sms.parts("ب" * 135) == 3


def test_an_emoji_takes_two_places_in_ucs2():
    assert sms.characters("🙂") == 2


def test_cost_is_parts_times_the_price_of_a_part():
    assert sms.cost_pence("a" * 161, 2) == 4
    assert sms.cost_pence("ã" * 71, 3) == 6
    assert sms.cost_pence("", 2) == 0


@given(gsm_text)
def test_text_of_gsm_characters_is_gsm7(text):
    assert sms.encoding(text) == "GSM-7"


@given(any_text, non_gsm_char, any_text)
def test_any_character_outside_gsm_forces_ucs2(before, char, after):
    assert sms.encoding(before + char + after) == "UCS-2"


@given(any_text, any_text)
def test_parts_never_fall_as_text_grows(text, more):
    assert sms.parts(text + more) >= sms.parts(text)


@given(any_text)
def test_parts_hold_the_characters(text):
    count, parts = sms.characters(text), sms.parts(text)
    single = 160 if sms.encoding(text) == "GSM-7" else 70
    if count == 0:
        assert parts == 0
    elif count <= single:
        assert parts == 1
    else:
        per_part = 153 if sms.encoding(text) == "GSM-7" else 67
        assert (parts - 1) * per_part < count <= parts * per_part


def test_the_pure_cores_of_the_words_import_no_django():
    """The seed migration and any worker may load them without Django's settings."""
    import ast
    from pathlib import Path

    import keepwell.messaging

    folder = Path(keepwell.messaging.__file__).parent
    allowed = {"keepwell.messaging.kinds"}
    for name in ("render.py", "sms.py", "kinds.py", "seed_templates.py"):
        tree = ast.parse((folder / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert not module.startswith("django"), (name, module)
                assert not module.startswith("keepwell") or module in allowed, (name, module)
