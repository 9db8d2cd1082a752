"""What falls on a person rather than on their skill (the seed's luck), and how the team is drawn.

The seed's argument is that sales volume is luck: the buyer who asks for the 399-yuan bag, the
双11 rush where buyers order on their own, who is on the rota when the buyers come. `Luck`
holds the shop's parameters; `PersonLuck` is what one employee drew for one month. Each is
drawn independently of the employee's skill, so a plan that pays skill is not helped by it.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from .clock import HOUR_CUM, Month, evening_hours


@dataclass(frozen=True)
class Luck:
    """The simulator's luck and team parameters; the defaults reflect the seed.

    - `talent_weight`: how much of each skill is one shared talent (the rest is the skill's
      own deviation); at 0.85 any one precise metric stands in for all the others.
    - `stratified_team`: draw the team's talents one from each stratum of the population (every
      team has its star and its laggard) rather than at random.
    - `levels_by_skill`: hand the higher levels (and so the higher base salaries) to the higher
      talents.
    - `evening_spread` (shifts): each agent's rota puts a share e ~ U(0, 1) of their hours on
      the evening peak: they take 1 + spread x (2e - 1) of an even share of the buyers, and more
      of them in the busy evening hours, where everyone answers more slowly.
    - `promo_off_share` (shifts): an agent is off on a share u x promo_off_share of the
      promotion days (u ~ U(0, 1)), so some work all of 双11 and others half of it.
    - `decided_share` (decided buyers): a share d ~ U(0, decided_share) of an agent's presale
      buyers order whatever the agent does (the 399-yuan buyer who asks for it).
    - `promo_decided_share`: on promotion days this share of every agent's buyers orders on
      their own.
    - `premium_share` (routing): a share r ~ U(0, premium_share) of an agent's presale buyers
      come for the premium line (the 399-yuan bag): some agents hold the expensive line or the
      VIP buyers.
    """

    talent_weight: float = 0.5
    stratified_team: bool = False
    levels_by_skill: bool = False
    evening_spread: float = 0.5
    promo_off_share: float = 0.5
    decided_share: float = 0.1
    promo_decided_share: float = 0.6
    premium_share: float = 0.5

    def __post_init__(self) -> None:
        if not 0 <= self.talent_weight < 1:
            raise ValueError(f"talent_weight must be in [0, 1), got {self.talent_weight}")
        for name in ("evening_spread", "promo_off_share", "decided_share",
                     "promo_decided_share", "premium_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")

    @classmethod
    def even(cls) -> Luck:
        """No luck falls on a person, the team stratified and levels following talent: the
        generator as it was before the seed's luck (issue 13), draw for draw."""
        return cls(talent_weight=0.85, stratified_team=True, levels_by_skill=True,
                   evening_spread=0.0, promo_off_share=0.0, decided_share=0.0,
                   promo_decided_share=0.0, premium_share=0.0)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class PersonLuck:
    """What one employee drew for one month, and what it brought them (counted as simulated)."""

    evening_share: float = 0.0
    traffic_weight: float = 1.0
    decided_share: float = 0.0
    premium_share: float = 0.0
    hour_cum: list[float] = field(default_factory=lambda: HOUR_CUM, repr=False)
    promo_days_worked: int = 0
    presale_buyers: int = 0
    decided_buyers: int = 0
    orders: int = 0
    order_value_yuan: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "evening_share": round(self.evening_share, 4),
            "traffic_weight": round(self.traffic_weight, 4),
            "promo_days_worked": self.promo_days_worked,
            "decided_share": round(self.decided_share, 4),
            "decided_buyers": self.decided_buyers,
            "presale_buyers": self.presale_buyers,
            "premium_share": round(self.premium_share, 4),
            "orders": self.orders,
            "order_value_yuan": self.order_value_yuan,
            "mean_order_value_yuan": round(self.order_value_yuan / self.orders, 2)
            if self.orders else None,
        }


def draw_person_luck(rng: random.Random, luck: Luck) -> PersonLuck:
    """One employee's month of luck. A parameter at 0 draws nothing, so `Luck.even()` leaves
    the random stream, and with it every file, as the generator wrote them before."""
    drawn = PersonLuck()
    if luck.evening_spread:
        drawn.evening_share = rng.random()
        drawn.traffic_weight = 1 + luck.evening_spread * (2 * drawn.evening_share - 1)
        drawn.hour_cum = evening_hours(luck.evening_spread * drawn.evening_share)
    if luck.decided_share:
        drawn.decided_share = rng.uniform(0, luck.decided_share)
    if luck.premium_share:
        drawn.premium_share = rng.uniform(0, luck.premium_share)
    return drawn


def rota_days_off(rng: random.Random, cal: Month, luck: Luck, days_off: int) -> list[int]:
    """The month's days off under an uneven promotion rota (`promo_off_share`): a share of the
    promotion days drawn per person, then the rest of the `days_off` on ordinary days."""
    promo = [d for d in range(cal.days) if cal.promo_day[d]]
    ordinary = [d for d in range(cal.days) if not cal.promo_day[d]]
    off_promo = round(rng.random() * luck.promo_off_share * len(promo))
    rest = min(len(ordinary), max(0, days_off - off_promo))
    return sorted(rng.sample(promo, off_promo) + rng.sample(ordinary, rest))
