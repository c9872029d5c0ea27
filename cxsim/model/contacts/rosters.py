"""Agents coming on and off duty: a team's roster applied to the agents on the floor."""

from __future__ import annotations

from collections.abc import Callable

from cxsim.model.contacts.agents import Agent, Team

__all__ = ["RosterUpdate", "apply_roster"]

# Who is on duty from a step of the clock: (agents scheduled, (employee id, efficiency) of those
# available, headcount); ``cxsim.model.workforce.RosterState`` is one.
RosterUpdate = tuple[int, tuple[tuple[int, float], ...], int]


def apply_roster(
    team: Team, update: RosterUpdate, now: float, take_work: Callable[[Agent, float], bool]
) -> None:
    """Set who of ``team`` is on duty from now.

    Agents leaving while busy finish the contacts in hand first; an agent coming on duty takes
    waiting work at once (``take_work``) or joins the idle.
    """
    scheduled, available, headcount = update
    team.account_duty(now)
    team.scheduled = scheduled
    team.headcount = headcount
    team.peak = max(team.peak, scheduled)
    wanted = dict(available)
    for employee, agent in list(team.agents.items()):
        if employee in wanted:
            agent.efficiency = wanted[employee]
            agent.leaving = False
        elif agent.load == 0:
            team.idle.remove(agent)
            del team.agents[employee]
        else:
            agent.leaving = True
    for employee, efficiency in available:
        if employee not in team.agents:
            agent = Agent(team, employee, efficiency)
            team.agents[employee] = agent
            if not take_work(agent, now):
                team.idle.append(agent)
