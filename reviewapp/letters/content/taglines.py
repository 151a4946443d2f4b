"""Taglines: one short sentence per language saying that free language help exists, and how to
get it.

Section 1557 of the Affordable Care Act (45 CFR 92.11, 2024 rule) asks covered plans to attach, to
significant communications such as a denial or a notice that needs a reply, a notice of free
language assistance in English and in at least the 15 languages most spoken by people with limited
English in the state(s) served. Which 15 is a per-state setting (``StateNoticeSettings``); this
module holds the sentences, written for this product in each language and its own script (not
copied from any published set), and the script each is written in: ``letter.css`` gives each
script its font (Debian fonts-noto-core and fonts-noto-cjk, embedded by WeasyPrint as subsets).

``{phone}`` is replaced with the plan's language-help number.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache

from ..rendering import subset_font_face


@dataclass(frozen=True)
class Tagline:
    code: str  # BCP 47 language tag, printed as the paragraph's lang attribute
    english_name: str
    native_name: str
    text: str
    script: str = "latin"  # the CSS class "script-<script>" picks the font (letter.css)
    rtl: bool = False

    def sentence(self, phone: str) -> str:
        # The number reads left to right inside right-to-left text: a directional isolate
        # (LRI ... PDI) keeps its digits and brackets in order.
        if self.rtl:
            phone = f"\u2066{phone}\u2069"
        return self.text.replace("{phone}", phone)


ARABIC = "arabic"

TAGLINES: dict[str, Tagline] = {
    t.code: t
    for t in (
        Tagline(
            "es",
            "Spanish",
            "Español",
            "ATENCIÓN: si habla español, puede recibir ayuda gratis en su idioma. "
            "Llame al {phone}.",
        ),
        Tagline(
            "vi",
            "Vietnamese",
            "Tiếng Việt",
            "LƯU Ý: nếu quý vị nói tiếng Việt, chúng tôi có dịch vụ hỗ trợ ngôn ngữ miễn phí "
            "dành cho quý vị. Xin gọi số {phone}.",
        ),
        Tagline(
            "zh-Hant",
            "Chinese (Traditional)",
            "繁體中文",
            "注意：如果您說中文，我們可以免費為您提供語言協助。請致電 {phone}。",
            script="cjk-tc",
        ),
        Tagline(
            "zh-Hans",
            "Chinese (Simplified)",
            "简体中文",
            "注意：如果您说中文，我们可以免费为您提供语言协助。请致电 {phone}。",
            script="cjk-sc",
        ),
        Tagline(
            "ar",
            "Arabic",
            "العربية",
            "تنبيه: إذا كنت تتحدث العربية، يمكنك الحصول على مساعدة لغوية مجانية. "
            "اتصل بالرقم {phone}.",
            script=ARABIC,
            rtl=True,
        ),
        Tagline(
            "fr",
            "French",
            "Français",
            "ATTENTION : si vous parlez français, une aide gratuite dans votre langue est à "
            "votre disposition. Appelez le {phone}.",
        ),
        Tagline(
            "tl",
            "Tagalog",
            "Tagalog",
            "PAUNAWA: kung nagsasalita ka ng Tagalog, may libreng tulong sa wika para sa iyo. "
            "Tumawag sa {phone}.",
        ),
        Tagline(
            "ko",
            "Korean",
            "한국어",
            "안내: 한국어를 사용하시는 경우 무료 언어 지원을 받으실 수 있습니다. "
            "{phone} 번으로 전화해 주십시오.",
            script="cjk-kr",
        ),
        Tagline(
            "pt",
            "Portuguese",
            "Português",
            "ATENÇÃO: se você fala português, pode receber ajuda gratuita no seu idioma. "
            "Ligue para {phone}.",
        ),
        Tagline(
            "lo",
            "Lao",
            "ພາສາລາວ",
            "ກະລຸນາຊາບ: ຖ້າທ່ານເວົ້າພາສາລາວ, ມີການຊ່ວຍເຫຼືອດ້ານພາສາໃຫ້ທ່ານໂດຍບໍ່ເສຍຄ່າ. ກະລຸນາໂທຫາ {phone}.",
            script="lao",
        ),
        Tagline(
            "de",
            "German",
            "Deutsch",
            "HINWEIS: Wenn Sie Deutsch sprechen, erhalten Sie kostenlose Hilfe in Ihrer Sprache. "
            "Rufen Sie {phone} an.",
        ),
        Tagline(
            "ja",
            "Japanese",
            "日本語",
            "ご案内：日本語を話される方は、無料の言語支援をご利用いただけます。"
            "{phone} までお電話ください。",
            script="cjk-jp",
        ),
        Tagline(
            "fa",
            "Persian (Farsi)",
            "فارسی",
            "توجه: اگر به فارسی صحبت می‌کنید، کمک زبانی رایگان برای شما فراهم است. "
            "با شماره {phone} تماس بگیرید.",
            script=ARABIC,
            rtl=True,
        ),
        Tagline(
            "ru",
            "Russian",
            "Русский",
            "ВНИМАНИЕ: если вы говорите по-русски, вы можете бесплатно получить помощь на "
            "своём языке. Звоните по номеру {phone}.",
        ),
        Tagline(
            "hi",
            "Hindi",
            "हिंदी",
            "ध्यान दें: यदि आप हिंदी बोलते हैं, तो आपको अपनी भाषा में मुफ़्त सहायता मिल सकती "
            "है। {phone} पर फ़ोन करें।",
            script="devanagari",
        ),
        Tagline(
            "th",
            "Thai",
            "ภาษาไทย",
            "โปรดทราบ: หากคุณพูดภาษาไทย คุณสามารถรับความช่วยเหลือด้านภาษาได้ฟรี โทร {phone}",
            script="thai",
        ),
        Tagline(
            "ur",
            "Urdu",
            "اردو",
            "توجہ دیں: اگر آپ اردو بولتے ہیں تو آپ کو اپنی زبان میں مفت مدد مل سکتی ہے۔ "
            "{phone} پر فون کریں۔",
            script=ARABIC,
            rtl=True,
        ),
        Tagline(
            "ht",
            "Haitian Creole",
            "Kreyòl ayisyen",
            "ATANSYON: si w pale kreyòl ayisyen, ou ka jwenn èd gratis nan lang ou. Rele {phone}.",
        ),
        Tagline(
            "gu",
            "Gujarati",
            "ગુજરાતી",
            "ધ્યાન આપો: જો તમે ગુજરાતી બોલતા હો, તો તમને તમારી ભાષામાં મફત મદદ મળી શકે છે. "
            "{phone} પર ફોન કરો.",
            script="gujarati",
        ),
        Tagline(
            "pl",
            "Polish",
            "Polski",
            "UWAGA: jeśli mówisz po polsku, możesz otrzymać bezpłatną pomoc w swoim języku. "
            "Zadzwoń pod numer {phone}.",
        ),
    )
}


def taglines_for(codes: list[str], *, skip: str = "") -> list[Tagline]:
    """The taglines for a state's languages, in its order, leaving out the letter's own language
    (a Spanish letter needs no Spanish tagline; it gets an English one instead)."""
    return [TAGLINES[code] for code in codes if code in TAGLINES and code != skip]


ENGLISH_TAGLINE = Tagline(
    "en",
    "English",
    "English",
    "ATTENTION: if you speak English, free help in your language is available. Call {phone}.",
)


# The font of each script (Debian fonts-noto-core, fonts-noto-cjk). letter.css names the subset
# faces "Letter <script>", with these families as the fallback.
SCRIPT_FONTS = {
    "cjk-tc": "Noto Sans CJK TC",
    "cjk-sc": "Noto Sans CJK SC",
    "cjk-kr": "Noto Sans CJK KR",
    "cjk-jp": "Noto Sans CJK JP",
    "arabic": "Noto Sans Arabic",
    "lao": "Noto Sans Lao",
    "thai": "Noto Sans Thai",
    "devanagari": "Noto Sans Devanagari",
    "gujarati": "Noto Sans Gujarati",
}


@cache
def font_faces() -> str:
    """@font-face rules for every script's font, subset to what the taglines use (computed once
    per process; the subset files are kept under var/letter-fonts/)."""
    rules = []
    for script, family in SCRIPT_FONTS.items():
        text = "".join(t.text for t in TAGLINES.values() if t.script == script)
        # Digits, brackets and letters of any phone number; the directional isolates.
        text += string.printable + "\u2066\u2069"
        rule = subset_font_face(css_family=f"Letter {script}", family=family, text=text)
        if rule:
            rules.append(rule)
    return "\n".join(rules)
