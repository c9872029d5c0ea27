"""A customer's contact on its way from a queue to an agent: named fields and states.

A contact waits in its queue (``WAITING``) until an agent answers it (``ANSWERED``) or the
customer gives up (``ABANDONED``). A contact that leaves from the middle of its queue stays there
as a dead entry and is dropped when it reaches the head. A chase that joins the open contact
(omnichannel) never becomes a contact of its own: it is counted as merged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cxsim.model.contacts.agents import Agent
    from cxsim.model.contacts.queue import Queue

__all__ = [
    "ABANDONED",
    "ANSWERED",
    "CHASE",
    "FOLLOW_UP",
    "FORECAST",
    "FROM_ORDERS",
    "RETRY",
    "SOURCES",
    "WAITING",
    "Contact",
]

# States of a contact.
WAITING, ANSWERED, ABANDONED = 0, 1, 2

# What brought a contact to its queue: indices of ``Queue.arrivals``, named in ``SOURCES`` as the
# queue measures that count them.
FORECAST, FROM_ORDERS, RETRY, CHASE, FOLLOW_UP = range(5)
SOURCES = ("forecast", "from_orders", "retries", "chases", "follow_ups")


class Contact:
    """One contact of a customer.

    Attributes:
        arrived: clock minute it arrived at its queue.
        interval: index of the reporting interval it arrived in (its measures count there).
        handle: minutes of work at full speed (for a repeat with unified customer context,
            already shortened by ``omnichannel_handle_saving_pct``).
        queue: the queue it arrived at.
        segment, reason: indices of the customer's segment and the contact's reason.
        repeats: how many times the customer has come back about the matter before this
            contact (retries, chases and follow-ups): 0 for a first contact.
        state: ``WAITING``, ``ANSWERED`` or ``ABANDONED``.
        agent: the agent answering it; set when answered.
        deadline: when the caller gives up, on a queue that keeps patience as a deadline
            (``Queue.lazy``); set when it starts waiting there (inf: never).
        chat_end: the point of its agent's virtual clock at which it ends (chats that slow each
            other down, ``cxsim.model.contacts.chats``); set when answered.
    """

    __slots__ = ("agent", "arrived", "chat_end", "deadline", "handle", "interval", "queue",
                 "reason", "repeats", "segment", "state")
    # Set once they mean something (not in __init__: a contact is made per arrival).
    agent: Agent
    deadline: float
    chat_end: float

    def __init__(
        self, arrived: float, interval: int, handle: float, queue: Queue, segment: int,
        reason: int, repeats: int = 0,
    ) -> None:
        self.arrived = arrived
        self.interval = interval
        self.handle = handle
        self.queue = queue
        self.segment = segment
        self.reason = reason
        self.repeats = repeats
        self.state = WAITING
