"""What happens to each demo request after it comes in, step by step through the real flows.

A life is a generator: it yields the moment it next acts, and the replay (demo.py) resumes it
then, with the clock set to that moment. Steps due after "now" never run, so the requests of
the last days are still open, as in a real city.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

from minsheng.core.db import utcnow
from minsheng.feedback import service as feedback
from minsheng.feedback.models import RatedVia, Satisfaction
from minsheng.feedback.schemas import RatingCreate
from minsheng.requests import demo_answers as answers
from minsheng.requests import extensions, flows
from minsheng.requests.demo_plan import Plan, fill
from minsheng.requests.models import Channel, CitizenRequest, Outcome, Priority, Status

if TYPE_CHECKING:
    from minsheng.requests.demo import Demo

Life = Iterator[dt.datetime]
MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def _after(moment: dt.datetime) -> dt.datetime:
    """Never before the step just taken: a timeline only moves forward."""
    return max(moment, utcnow() + MINUTE)


def _daytime(rng: random.Random, moment: dt.datetime, demo: Demo) -> dt.datetime:
    """The same moment if it falls in the working day, else a time in the next one."""
    local = moment.astimezone(demo.tz)
    if 8 <= local.hour < 18:
        return moment
    day = local.date() + (dt.timedelta(days=1) if local.hour >= 18 else dt.timedelta())
    start = dt.datetime.combine(day, dt.time(8, 30), demo.tz)
    return (start + dt.timedelta(minutes=rng.randrange(0, 540))).astimezone(dt.UTC)


def _office(
    rng: random.Random, moment: dt.datetime, earliest: dt.datetime, demo: Demo
) -> dt.datetime:
    """Office work happens in the day: a night-time moment moves to the afternoon before,
    when that is not before `earliest`, else to the next morning."""
    local = moment.astimezone(demo.tz)
    if 8 <= local.hour < 18:
        return moment
    day = local.date() - dt.timedelta(days=1) if local.hour < 8 else local.date()
    before = dt.datetime.combine(day, dt.time(14), demo.tz) + rng.uniform(0, 3.5) * HOUR
    if before >= earliest:
        return before.astimezone(dt.UTC)
    morning = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(8, 30), demo.tz)
    return (morning + rng.uniform(0, 2.5) * HOUR).astimezone(dt.UTC)


def _between(
    rng: random.Random, start: dt.datetime, end: dt.datetime, demo: Demo, *, daytime: bool = True
) -> dt.datetime:
    """A moment from start to end, moved into office hours unless the clock is running."""
    end = max(end, start + MINUTE)
    moment = start + (end - start) * rng.uniform(0.05, 0.95)
    return _office(rng, moment, start, demo) if daytime else moment


def life(demo: Demo, plan: Plan) -> Life:
    """From receipt to the last rating; each yield is the moment of the next step."""
    rng = plan.rng
    yield plan.received_at
    request = demo.submit(plan)
    if plan.duplicate_of is not None:
        yield _after(request.received_at + dt.timedelta(minutes=rng.uniform(20, 240)))
        flows.merge(demo.db, request, into=demo.requests[plan.duplicate_of], staff=demo.operator)
        return
    if request.status == Status.triage:
        if plan.hold:
            return
        yield _after(utcnow() + dt.timedelta(minutes=rng.uniform(5, 60)))
        unit = demo.unit_for(plan.story.unit or "town", plan)
        note = rng.choice(answers.DISPATCH_NOTES)
        flows.dispatch(demo.db, request, staff=demo.operator, unit_id=unit.id, note=note)
    yield from _route(demo, plan, request)
    if plan.never_accepted:
        return
    yield _accept_time(demo, plan, request)
    flows.accept(demo.db, request, staff=demo.handler(request.unit))
    yield from _handle(demo, plan, request)


def _route(demo: Demo, plan: Plan, request: CitizenRequest) -> Life:
    """Now and then the first unit is the wrong one, or the matter needs several units."""
    rng, roll = plan.rng, plan.rng.random()
    if roll < 0.04 and plan.category in answers.RETURNS:
        target, reason = answers.RETURNS[plan.category]
        unit = demo.unit_for(target, plan)
        if unit.id == request.unit_id:
            return
        yield _between(rng, utcnow(), request.response_due_at, demo, daytime=False)
        flows.return_to_centre(demo.db, request, staff=demo.handler(request.unit), reason=reason)
        yield _after(utcnow() + dt.timedelta(minutes=rng.uniform(20, 180)))
        note = rng.choice(answers.DISPATCH_NOTES)
        flows.dispatch(demo.db, request, staff=demo.operator, unit_id=unit.id, note=note)
    elif roll < 0.06 and plan.category in answers.RETURNS:
        unit = demo.unit_for(answers.RETURNS[plan.category][0], plan)
        if unit.id == request.unit_id:
            return
        yield _after(utcnow() + dt.timedelta(minutes=rng.uniform(10, 90)))
        note = rng.choice(answers.REASSIGN_NOTES)
        flows.dispatch(demo.db, request, staff=demo.operator, unit_id=unit.id, note=note)
    elif roll < 0.1 and plan.category in answers.SPLITS:
        co_units = demo.co_units(plan, request)
        if not co_units:
            return
        yield _after(utcnow() + dt.timedelta(minutes=rng.uniform(10, 90)))
        assert request.unit_id is not None
        flows.split(
            demo.db, request, staff=demo.operator, lead_unit_id=request.unit_id, co_units=co_units
        )


def _accept_time(demo: Demo, plan: Plan, request: CitizenRequest) -> dt.datetime:
    """Most units sign for a request well within the response limit; some miss it."""
    rng = plan.rng
    start, due = utcnow(), request.response_due_at
    if rng.random() < 0.08:
        late = due + dt.timedelta(hours=rng.uniform(0.5, 30))
        return _after(_daytime(rng, late, demo))
    moment = start + (due - start) * rng.uniform(0.05, 0.7)
    if not _on_clock(request):
        office = _office(rng, moment, start, demo)
        moment = office if office <= due else moment
    return _after(moment)


def _actions(plan: Plan) -> tuple[str, ...]:
    if not plan.story.finding:
        return answers.CONSULT_ACTIONS
    if plan.category.startswith("repair"):
        return answers.REPAIR_ACTIONS
    return answers.ACTIONS


def _on_clock(request: CitizenRequest) -> bool:
    return request.priority in (Priority.emergency, Priority.urgent)


def _handle(demo: Demo, plan: Plan, request: CitizenRequest) -> Life:
    """Rounds of handling: notes, maybe an extension, the co-units' parts, a reply, the
    closing answer and the resident's rating, which may send it round again."""
    rng = plan.rng
    for round_ in range(demo.max_reopens + 1):
        start, due = utcnow(), request.resolve_due_at
        daytime = not _on_clock(request)
        if daytime and rng.random() < 0.06:
            finish = _daytime(rng, due + dt.timedelta(hours=rng.uniform(4, 120)), demo)
        else:
            finish = start + max((due - start) * rng.uniform(0.25, 0.9), 30 * MINUTE)
            if daytime:
                finish = _office(rng, finish, start + 10 * MINUTE, demo)
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
            yield _after(_between(rng, utcnow(), finish, demo, daytime=daytime))
            text = fill(rng.choice(_actions(plan)), plan.slots, date=demo.today_text())
            flows.record_action(demo.db, request, staff=demo.handler(request.unit), text=text)
        if round_ == 0 and daytime and demo.may_extend(request) and rng.random() < 0.25:
            finish = yield from _extension(demo, plan, request, finish)
        for part in request.co_units:
            if part.done_at is None:
                yield _after(_between(rng, utcnow(), finish, demo, daytime=daytime))
                text = rng.choice(answers.CO_DONE).format(task=part.task)
                co_staff = demo.handler(part.unit)
                flows.finish_part(demo.db, request, staff=co_staff, unit_id=part.unit_id, text=text)
        if rng.random() < 0.2 and plan.story.finding:
            yield _after(_between(rng, utcnow(), finish, demo, daytime=daytime))
            text = _fill(demo, plan, request, rng.choice(answers.PROGRESS))
            flows.reply(demo.db, request, staff=demo.handler(request.unit), text=text)
        if plan.stall and round_ == 0:
            return
        yield _after(finish)
        outcome, text = _answer(demo, plan, request, round_)
        flows.close(demo.db, request, staff=demo.handler(request.unit), outcome=outcome, text=text)
        rating = _rating(demo, plan, request, outcome, round_)
        if rating is None:
            return
        data, via = rating
        yield _after(_daytime(rng, utcnow() + dt.timedelta(hours=rng.uniform(1, 72)), demo))
        staff = demo.operator if via == RatedVia.phone else None
        feedback.rate(demo.db, request, data=data, via=via, staff=staff)
        if request.status == Status.closed:
            return


def _extension(
    demo: Demo, plan: Plan, request: CitizenRequest, finish: dt.datetime
) -> Generator[dt.datetime, None, dt.datetime]:
    """Asks for more days; the supervisor approves most and refuses some. Returns when the
    work will now be finished."""
    rng = plan.rng
    due = request.resolve_due_at
    yield _after(_between(rng, utcnow(), min(finish, due), demo))
    reason = rng.choice(answers.EXTENSION_REASONS)
    extension = extensions.ask_extension(
        demo.db,
        request,
        staff=demo.handler(request.unit),
        days=rng.choice((3, 5, 5, 7, 10)),
        reason=reason,
    )
    yield _after(_daytime(rng, utcnow() + dt.timedelta(hours=rng.uniform(1, 20)), demo))
    approve = rng.random() < 0.65
    note = rng.choice(answers.EXTENSION_APPROVALS if approve else answers.EXTENSION_REFUSALS)
    extensions.decide_extension(
        demo.db, extension, staff=demo.supervisor, approve=approve, note=note
    )
    if approve:
        return _between(rng, max(utcnow(), due - 24 * HOUR), request.resolve_due_at, demo)
    return _between(rng, utcnow() + 2 * HOUR, max(due, utcnow() + 48 * HOUR), demo)


def _fill(demo: Demo, plan: Plan, request: CitizenRequest, template: str, **more: str) -> str:
    """An official's text: the story's finding and fix in the unit's own voice."""
    story, rng = plan.story, plan.rng
    values = {"date": demo.today_text(), "title": plan.title}
    values |= {
        "finding": fill(story.finding, plan.slots, **values),
        "fix": fill(story.fix, plan.slots, **values),
        "explain": fill(story.explain, plan.slots, **values),
        "we": answers.we(request.unit.name if request.unit else ""),
        "opener": rng.choice(answers.OPENERS),
        "thanks": rng.choice(answers.THANKS),
    }
    return fill(template, plan.slots, **(values | more))


def _answer(demo: Demo, plan: Plan, request: CitizenRequest, round_: int) -> tuple[Outcome, str]:
    """The outcome and the closing answer, as the unit would write them."""
    rng, story = plan.rng, plan.story
    roll = rng.random()
    if not story.fix:
        outcome, template = Outcome.explained, answers.ANSWERED
    elif roll < 0.06 and plan.category in answers.NOT_OURS_BY_CATEGORY and round_ == 0:
        why, advice = answers.NOT_OURS_BY_CATEGORY[plan.category]
        return Outcome.not_ours, _fill(
            demo, plan, request, answers.NOT_OURS, why=why, advice=advice
        )
    elif roll < 0.22 and story.explain:
        outcome, template = Outcome.explained, answers.EXPLAINED
    else:
        outcome, template = Outcome.resolved, answers.RESOLVED
    if round_ == 0:
        return outcome, _fill(demo, plan, request, template)
    again = f"{rng.choice(answers.OPENERS)}针对您对上次办理结果的意见，我们再次进行了核查。"
    return outcome, _fill(demo, plan, request, template, opener=again)


def _rating(
    demo: Demo, plan: Plan, request: CitizenRequest, outcome: Outcome, round_: int
) -> tuple[RatingCreate, RatedVia] | None:
    """Whether and how the reporter answers the two questions."""
    rng = plan.rng
    # After a reopening some no longer answer: their first, poor answer then stands.
    if request.contact_phone:
        if rng.random() >= (0.9 if round_ == 0 else 0.75):
            return None
        via = rng.choices((RatedVia.phone, RatedVia.sms, RatedVia.link), weights=(45, 25, 30))[0]
    elif plan.contact is None and plan.channel in (Channel.web, Channel.qr_box, Channel.api):
        if rng.random() >= 0.35:
            return None
        via = RatedVia.link
    else:
        return None
    weights = {
        Outcome.resolved: (78, 14, 8),
        Outcome.explained: (55, 27, 18),
        Outcome.not_ours: (40, 30, 30),
    }[outcome]
    if round_ > 0:
        weights = (55, 25, 20)
    mood = rng.choices(list(Satisfaction), weights=weights)[0]
    solved_chance = {Satisfaction.satisfied: 1.0, Satisfaction.basic: 0.85}.get(mood, 0.25)
    resolved = rng.random() < solved_chance
    poor = mood == Satisfaction.dissatisfied or not resolved
    reasons = (
        answers.RATING_POOR
        if poor
        else answers.RATING_BASIC
        if mood == Satisfaction.basic
        else answers.RATING_GOOD
    )
    reason = fill(rng.choice(reasons), plan.slots)
    return RatingCreate(resolved=resolved, satisfaction=mood, reason=reason), via
