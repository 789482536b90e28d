"""The shape every custom action shares: a name and a run that reads the conversation."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict


class BotAction(Action, ABC):
    """A custom action called `NAME` (as domain.yml lists it); subclasses implement `act`.

    Abstract, so the action server does not register it (rasa_sdk skips abstract classes)."""

    NAME: ClassVar[str]

    def name(self) -> str:
        return self.NAME

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return await self.act(dispatcher, tracker)

    @abstractmethod
    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """What the action says and which events it returns."""
