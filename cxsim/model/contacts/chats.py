"""Chats in hand that slow each other down: one virtual clock per agent.

With n chats in hand each runs at 1 / (1 + slowdown (n - 1)) of full speed. As all progress
alike, the agent's virtual clock counts the work done on each chat since the agent came on duty;
a chat ends when the clock reaches its ``chat_end``. One pending event per agent is enough (the
next chat to end); a start or an end moves it, and the earlier event goes stale (``version``).
Without slowdown chats need none of this: each ends after its own handle time.
"""

from __future__ import annotations

from cxsim.model.contacts.agents import Agent
from cxsim.model.contacts.contact import Contact

__all__ = ["add", "finished", "next_end"]


def _progress(agent: Agent, now: float, slowdown: float) -> None:
    """Advance the agent's virtual clock to now at the speed of the chats in hand."""
    if agent.chats:
        agent.virtual += (now - agent.since) / (1.0 + slowdown * (len(agent.chats) - 1))
    agent.since = now


def add(agent: Agent, contact: Contact, handle: float, now: float, slowdown: float) -> None:
    """``agent`` takes chat ``contact`` of ``handle`` minutes at full speed now."""
    _progress(agent, now, slowdown)
    contact.chat_end = agent.virtual + handle / agent.efficiency
    agent.chats.append(contact)


def next_end(agent: Agent, slowdown: float) -> float | None:
    """Minutes from now to the end of the chat that finishes first (None: no chat in hand);
    the events scheduled before go stale."""
    agent.version += 1
    if not agent.chats:
        return None
    first = min(chat.chat_end for chat in agent.chats)
    return max(first - agent.virtual, 0.0) * (1.0 + slowdown * (len(agent.chats) - 1))


def finished(agent: Agent, version: int, now: float) -> Contact | None:
    """The chat that ends now, taken out of the agent's hands; None if the end scheduled with
    ``version`` has gone stale."""
    if version != agent.version:
        return None  # the next end moved since this event was scheduled
    contact = min(agent.chats, key=lambda chat: chat.chat_end)
    _progress(agent, now, contact.queue.slowdown)
    agent.chats.remove(contact)
    return contact
