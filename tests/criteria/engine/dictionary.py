"""A small fact dictionary for the engine's tests: one fact of each type."""

from decimal import Decimal

from criteria.facts import FactDef, FactType

FACTS = {
    "pain": FactDef("pain", FactType.INTEGER, "Pain", minimum=Decimal(0), maximum=Decimal(10)),
    "relief": FactDef("relief", FactType.DECIMAL, "Relief", unit="%"),
    "infection": FactDef("infection", FactType.BOOLEAN, "Infection"),
    "life": FactDef("life", FactType.DECIMAL, "Life expectancy", unit="months"),
    "cause": FactDef(
        "cause",
        FactType.CHOICE,
        "Cause",
        choices=(("sci", "Spinal cord injury"), ("ms", "Multiple sclerosis")),
    ),
    "seen": FactDef("seen", FactType.DATE, "Seen on"),
}
