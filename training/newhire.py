"""The built-in new-hire module: where work comes from and where it goes.

Content and quiz as plain data (no ORM): the module page renders ``SECTIONS`` and the quiz
``QUESTIONS``; ``score`` marks a set of answers. The module row itself is created on first
use by ``training.services.modules.newhire_module`` (slug ``SLUG``).
"""

from __future__ import annotations

from dataclasses import dataclass

SLUG = "where-work-goes"
TITLE = "Where work comes from and where it goes"
DURATION_MINUTES = 30
PASS_MARK = 80
DESCRIPTION = (
    "Built-in new-hire module on workflow: how a call or chat in the front office becomes a "
    "case in the back office, how it comes back to the customer, and who to ask on the way."
)

SECTIONS = [
    (
        "Where work comes from",
        "Customers call, chat, write or send documents. Calls and chats land in the front "
        "office's queues, where seconds count: the service level is answered within 20 "
        "seconds. Emails, documents and cases land in the back office's backlogs, where days "
        "count: each item is due by its SLA (for example two working days for a claim).",
    ),
    (
        "Front office to back office",
        "When a call needs work the front office cannot finish while the customer waits "
        "(an assessment, a refund, a correction), the agent hands it off: a back-office case "
        "is created from the contact, linked to it, with the customer and the notes. The "
        "customer is told what happens next and by when. Nothing is retyped, nothing is lost.",
    ),
    (
        "Back office and back to the customer",
        "The back office works cases oldest-due first. When a case is done the customer hears "
        "back; if they call again about it before it is done, the front office sees the open "
        "case on the customer's journey and does not open a duplicate.",
    ),
    (
        "When something is urgent: your buddy",
        "Everyone has a buddy in the other office. Time-critical work that crosses the "
        "hand-off is escalated to your buddy, not dropped in a queue. Your buddy and your "
        "open escalations are on the My buddy page.",
    ),
]


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[tuple[str, str], ...]
    answer: str


QUESTIONS = [
    Question(
        "q1",
        "A customer calls about a refund that needs a back-office correction. What do you do?",
        (
            ("a", "Ask them to email the back office themselves"),
            ("b", "Hand it off: create the linked back-office case with notes"),
            ("c", "Promise to call back when you have time"),
        ),
        "b",
    ),
    Question(
        "q2",
        "How is back-office work measured?",
        (
            ("a", "Answered within 20 seconds"),
            ("b", "Completed by its due time (SLA in days) and backlog age"),
            ("c", "Number of calls taken"),
        ),
        "b",
    ),
    Question(
        "q3",
        "A customer calls again about a case that is still open. What do you do?",
        (
            ("a", "Open a new case"),
            ("b", "Find the open case on their journey and update it"),
            ("c", "Tell them to wait"),
        ),
        "b",
    ),
    Question(
        "q4",
        "Time-critical work crosses the hand-off and cannot wait in the queue. Who do you go to?",
        (
            ("a", "Your buddy in the other office"),
            ("b", "Anyone who is online"),
            ("c", "Nobody: it waits its turn"),
        ),
        "a",
    ),
    Question(
        "q5",
        "In which order does the back office work its backlog?",
        (
            ("a", "Newest first"),
            ("b", "Oldest due first"),
            ("c", "Easiest first"),
        ),
        "b",
    ),
]


def score(answers: dict[str, str]) -> int:
    """Percentage of questions answered correctly (0..100)."""
    right = sum(1 for q in QUESTIONS if answers.get(q.key) == q.answer)
    return round(100 * right / len(QUESTIONS))


def unanswered(answers: dict[str, str]) -> list[str]:
    valid = {q.key: {o for o, _ in q.options} for q in QUESTIONS}
    return [key for key, options in valid.items() if answers.get(key) not in options]
