"""The contact centre: customers, queues, agents and the router between them.

Modules, one concept each: ``contact`` (a contact's fields and states), ``queue`` (waiting and
its accounting), ``agents`` (agents and teams), ``layout`` (queues and teams from the scenario),
``customers`` (channel choice, retries, chases, follow-ups), ``intake`` (how contacts come in),
``routing`` (contacts to agents), ``chats`` (chats that slow each other down), ``rosters`` (who
is on duty) and ``centre`` (all of it put together).
"""

from cxsim.model.contacts.centre import ContactCentre
from cxsim.model.contacts.rosters import RosterUpdate

__all__ = ["ContactCentre", "RosterUpdate"]
