"""Plain glosses for the medical and insurance words a letter may use.

A letter lists, under "Words used in this letter", the terms it actually contains (criteria
statements come from the payer's policy and keep its medical words; the gloss explains them).
Readable by most adults (Flesch-Kincaid grade 8 or lower, tested), as 42 CFR 422.568(e) and
29 CFR 2560.503-1(g) ask for notices a member can understand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    words: dict[str, tuple[str, ...]]  # per language, the spellings that trigger the gloss
    gloss: dict[str, str]  # per language: "term: what it means"

    def found_in(self, text: str, language: str) -> bool:
        return any(_pattern(w).search(text) for w in self.words.get(language, ()))

    def heading(self, language: str) -> str:
        return self.words[language][0]


def _pattern(word: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.IGNORECASE)


TERMS: tuple[Term, ...] = (
    Term(
        {"en": ("prior authorization",), "es": ("autorización previa",)},
        {
            "en": "Our approval of a service before you get it.",
            "es": "Nuestra aprobación de un servicio antes de que usted lo reciba.",
        },
    ),
    Term(
        {"en": ("intrathecal",), "es": ("intratecal",)},
        {
            "en": "Into the fluid around the spinal cord. An intrathecal pump is a small pump "
            "put under the skin. It sends medicine through a thin tube to that fluid.",
            "es": "Dentro del líquido que rodea la médula espinal. Una bomba intratecal es una "
            "bomba pequeña que se coloca bajo la piel. Envía medicina por un tubo delgado a "
            "ese líquido.",
        },
    ),
    Term(
        {"en": ("spinal canal",), "es": ("canal espinal", "canal raquídeo")},
        {
            "en": "The space inside the backbone that holds the spinal cord and its fluid.",
            "es": "El espacio dentro de la columna que contiene la médula espinal y su líquido.",
        },
    ),
    Term(
        {"en": ("spasticity",), "es": ("espasticidad",)},
        {
            "en": "Muscles that are stiff or tight and hard to control.",
            "es": "Músculos rígidos o tensos que son difíciles de controlar.",
        },
    ),
    Term(
        {"en": ("epidural",), "es": ("epidural",)},
        {
            "en": "The space just outside the covering of the spinal cord.",
            "es": "El espacio justo por fuera de la cubierta de la médula espinal.",
        },
    ),
    Term(
        {"en": ("metastases", "metastasis"), "es": ("metástasis",)},
        {
            "en": "Cancer that has spread from where it started to another part of the body.",
            "es": "Cáncer que se ha extendido desde donde empezó a otra parte del cuerpo.",
        },
    ),
    Term(
        {"en": ("thecal sac",), "es": ("saco tecal",)},
        {
            "en": "The sac of fluid around the spinal cord.",
            "es": "La bolsa de líquido que rodea la médula espinal.",
        },
    ),
    Term(
        {"en": ("coagulopathy",), "es": ("coagulopatía",)},
        {
            "en": "A problem with how the blood clots, so you may bleed more than usual.",
            "es": "Un problema con la coagulación de la sangre, que puede hacerle sangrar más.",
        },
    ),
    Term(
        {"en": ("leukopenia",), "es": ("leucopenia",)},
        {
            "en": "Too few white blood cells, the cells that fight germs.",
            "es": "Muy pocos glóbulos blancos, las células que combaten los gérmenes.",
        },
    ),
    Term(
        {"en": ("pancytopenia",), "es": ("pancitopenia",)},
        {
            "en": "Too few of all three kinds of blood cells.",
            "es": "Muy pocas células de los tres tipos de la sangre.",
        },
    ),
    Term(
        {"en": ("intracranial pressure",), "es": ("presión intracraneal",)},
        {
            "en": "The pressure inside the skull.",
            "es": "La presión dentro del cráneo.",
        },
    ),
    Term(
        {"en": ("opioid", "opioids"), "es": ("opioide", "opioides")},
        {
            "en": "A strong pain medicine, such as morphine or oxycodone.",
            "es": "Un medicamento fuerte para el dolor, como la morfina o la oxicodona.",
        },
    ),
    Term(
        {"en": ("baclofen",), "es": ("baclofeno",)},
        {
            "en": "A medicine that relaxes stiff muscles.",
            "es": "Un medicamento que relaja los músculos rígidos.",
        },
    ),
    Term(
        {"en": ("numeric rating scale", "NRS"), "es": ("escala numérica",)},
        {
            "en": "A way to rate pain from 0 (no pain) to 10 (the worst pain).",
            "es": "Una forma de medir el dolor de 0 (sin dolor) a 10 (el peor dolor).",
        },
    ),
    Term(
        {"en": ("psychological evaluation",), "es": ("evaluación psicológica",)},
        {
            "en": "A visit with a mental health expert to check how you are coping and if a "
            "treatment fits you.",
            "es": "Una consulta con un experto en salud mental para ver cómo se siente y si un "
            "tratamiento es adecuado para usted.",
        },
    ),
    Term(
        {"en": ("contraindication", "contraindications"), "es": ("contraindicación",)},
        {
            "en": "A health reason that makes a treatment unsafe for you.",
            "es": "Una razón de salud que hace que un tratamiento no sea seguro para usted.",
        },
    ),
    Term(
        {"en": ("peer-to-peer",), "es": ("entre médicos",)},
        {
            "en": "A talk about the decision between your provider and our doctor.",
            "es": "Una conversación sobre la decisión entre su proveedor y nuestro médico.",
        },
    ),
    Term(
        {"en": ("appeal",), "es": ("apelación",)},
        {
            "en": "Asking us to look at our decision again.",
            "es": "Pedirnos que revisemos otra vez nuestra decisión.",
        },
    ),
    Term(
        {"en": ("reconsideration",), "es": ("reconsideración",)},
        {
            "en": "The name Medicare uses for your first appeal to us.",
            "es": "El nombre que usa Medicare para su primera apelación ante nosotros.",
        },
    ),
    Term(
        {"en": ("fair hearing",), "es": ("audiencia imparcial",)},
        {
            "en": "A meeting run by the state, where a judge who does not work for us hears "
            "your case.",
            "es": "Una reunión que dirige el estado, donde un juez que no trabaja para nosotros "
            "escucha su caso.",
        },
    ),
    Term(
        {"en": ("grievance",), "es": ("queja formal",)},
        {
            "en": "A complaint to us about our service or how you were treated.",
            "es": "Una queja ante nosotros sobre nuestro servicio o sobre cómo le tratamos.",
        },
    ),
    Term(
        {"en": ("external review",), "es": ("revisión externa",)},
        {
            "en": "A review of our decision by experts who do not work for us.",
            "es": "Una revisión de nuestra decisión por expertos que no trabajan para nosotros.",
        },
    ),
    Term(
        {"en": ("authorization number",), "es": ("número de autorización",)},
        {
            "en": "The number that shows we approved a service. Your provider uses it when "
            "billing us.",
            "es": "El número que muestra que aprobamos un servicio. Su proveedor lo usa al "
            "cobrarnos.",
        },
    ),
)


def glossary_for(text: str, language: str) -> list[tuple[str, str]]:
    """(term, gloss) for every glossary term the text contains, in glossary order."""
    return [
        (term.heading(language), term.gloss[language])
        for term in TERMS
        if language in term.gloss and term.found_in(text, language)
    ]
