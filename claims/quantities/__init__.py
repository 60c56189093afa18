"""Find quantities in claims and passages and compare them across units, scales and hedges.

A quantity is a number from `claims.numbers` together with what surrounds it: a hedge or bound ("about",
"at least", "up to"), a range ("1,500-2,000", "between 10 and 20"), a unit normalised to pint base units
("30 miles" and "48 km" both become metres), a currency, a rate ("a day"), the counted noun ("2,000 Iranian
troops") and the event it counts ("killed", "wounded"). Two quantities are compared only when they talk about
the same thing; the tolerance follows the hedges and the precision the figures were written with. A distance
also names its two ends ("Baquba is 37 miles NE of Baghdad"): distances between different places never compare.

One module a stage. `find_quantities` (in `finding`) keeps the numbers `mentions` says are quantities, with the
unit (`units`) and hedge (`hedges`) written beside them, reads the counted noun and event (`subjects`) and a
distance's two ends (`places`); `comparison` sets two quantities side by side and `display` spells one for the UI.
`models` holds the two records they pass on.
"""

from claims.quantities.comparison import compare, compare_quantities, distances_elsewhere, figures_elsewhere
from claims.quantities.display import describe, spellings
from claims.quantities.finding import find_quantities
from claims.quantities.models import Comparison, Quantity

__all__ = [
    "Comparison",
    "Quantity",
    "compare",
    "compare_quantities",
    "describe",
    "distances_elsewhere",
    "figures_elsewhere",
    "find_quantities",
    "spellings",
]
