"""Checks made before retrieval: input limits, safeguarding, scope and hostile text.

Deliberately rule-based: these must work offline, the same way every time, and be testable.
They err towards safety: a question that might be about a child at risk gets crisis
signposting first, and the SEND answer after it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.errors import QuestionError

_SAFEGUARDING = re.compile(
    r"\b(?:"
    r"suicid\w*|kill(?:ing|ed)? (?:him|her|them|my)sel(?:f|ves)|kill myself|"
    r"end (?:his|her|my|their) (?:own )?life|take (?:his|her|my|their) (?:own )?life|"
    r"want(?:s|ed)? to die|"
    r"(?:does ?n[o']t|do ?n[o']t|doesnt|dont) want to (?:live|be alive|be here)|"
    r"better off dead|self[- ]?harm\w*|(?:cutting|cuts|cut|hurting|hurts|harming|burning) "
    r"(?:him|her|them|my)sel(?:f|ves)|overdos\w*|"
    r"abus(?:e|ed|ing|ive)|molest\w*|groom(?:ed|ing)|sexual(?:ly)? (?:assault|touch)\w*|"
    r"touched (?:him|her|them|me) inappropriately|inappropriate(?:ly)? touch\w*|"
    r"(?:hits|hit|hitting|beats|beat|beaten|beating|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|"
    r"slap(?:s|ped|ping)?|chok(?:es|ed|ing)|shak(?:es|ing)|shook)"
    r" (?:him|her|them|my (?:\w+ )?(?:son|daughter|child|kid|boy|girl))|"
    r"bruises?|neglect(?:ed|ing)?|not safe at home|scared to go home|afraid to go home|"
    r"in (?:immediate |serious )?danger|ran away from home|missing from home|"
    r"threaten(?:s|ed|ing)? to (?:hurt|kill)|"
    r"lock(?:ed|ing|s)? (?:him|her|them|my (?:\w+ )?(?:son|daughter|child)) (?:in|up|alone)|"
    r"(?:restrain|pin)(?:ed|ing|s)? (?:him|her|them|my (?:\w+ )?(?:son|daughter|child))"
    r" (?:down|to the floor|on the floor)"
    r")\b",
    re.I,
)
_ABUSE = re.compile(
    r"abus|molest|groom|sexual|inappropriate|touched|hits|hit |hitting|beat|punch|kick|slap|chok|"
    r"shak|shook|"
    r"bruise|neglect|not safe|scared to go|afraid to go|threaten|locked", re.I
)

NATIONS = {
    "wales": re.compile(
        r"\b(?:wales|welsh|cymru|cardiff|swansea|newport|wrexham|aln(?:co)?|"
        r"additional learning needs|idps?|individual development plans?)\b", re.I),
    "scotland": re.compile(
        r"\b(?:scotland|scottish|glasgow|edinburgh|aberdeen|dundee|inverness|"
        r"additional support (?:for learning|needs)|asn|csps?|co-?ordinated support plans?)\b",
        re.I),
    "northern-ireland": re.compile(
        r"\b(?:northern ireland|northern irish|belfast|derry|londonderry|"
        r"education authority ni|eani|statement(?:ing)? in ni)\b", re.I),
}
SYSTEMS = {
    "wales": "Wales has its own system: additional learning needs (ALN) and individual "
             "development plans (IDPs), under the Additional Learning Needs and Education "
             "Tribunal (Wales) Act 2018.",
    "scotland": "Scotland has its own system: additional support for learning (ASN) and "
                "co-ordinated support plans (CSPs), under the Education (Additional Support "
                "for Learning) (Scotland) Act 2004.",
    "northern-ireland": "Northern Ireland has its own SEN framework, with statements of SEN, "
                        "under the Special Educational Needs and Disability Act (Northern "
                        "Ireland) 2016.",
}

# Topics far from SEND and education. Only decisive when the question has no SEND words.
_OFF_TOPIC = re.compile(
    r"\b(?:weather|forecast|rain(?:ing)?|football|premier league|match score|recipe|cook(?:ing)?|"
    r"bake|stock market|shares? price|bitcoin|crypto|mortgage|tax credits?|income tax|"
    r"council tax|universal credit|pension|holiday|flights?|hotel|dose|dosage|mg\b|"
    r"milligrams?|ibuprofen|paracetamol|calpol|melatonin|methylphenidate|ritalin|medication|"
    r"medicine|prescri\w+|league tables?|rankings?|ranked|(?:best|top|good|outstanding) "
    r"(?:\w+ ){0,2}schools?|"
    r"ofsted rating|lottery|horoscope|film|movie|song|lyrics|capital of|translate|poem|joke|"
    r"car insurance|parking|visa|immigration|divorce|custody)\b",
    re.I,
)

# Text that tries to steer the assistant rather than ask it something.
_HOSTILE = re.compile(
    r"(?:ignore|disregard|forget|override|bypass)\b[^.?!\n]{0,40}\b(?:instructions?|rules?|"
    r"prompts?|guidelines|polic(?:y|ies)|restrictions?|above|previous|prior)|"
    r"(?:system|hidden|developer|initial) (?:prompt|message|instructions?)|"
    r"reveal (?:your|the)\b[^.?!\n]{0,30}|show me (?:your|the) (?:prompt|instructions|"
    r"config\w*|source|files?|code|settings|environment)|"
    r"\byou are now\b|\bact as\b|\bpretend\b|\bjailbreak\b|\bdeveloper mode\b|\bDAN\b|"
    r"\brole-?play\b|\bfrom now on\b|\bnew rules?\b|\bsay that\b|\brepeat after me\b|"
    r"/etc/passwd|\.env\b|api[_ ]?key|<\s*script|\bdrop table\b|;\s*--",
    re.I,
)


@dataclass(frozen=True)
class GateResult:
    safeguarding: bool = False
    abuse: bool = False
    nation: str | None = None
    off_topic: bool = False
    hostile: bool = False
    cleaned: str = ""


def check_question(question: object, max_chars: int) -> str:
    """The question stripped, or QuestionError with a message fit to show the user."""
    if not isinstance(question, str):
        raise QuestionError("Please type your question as text.")
    q = question.replace("\x00", "").strip()
    if not q:
        raise QuestionError("Please type a question — the box was empty.")
    if len(q) > max_chars:
        raise QuestionError(
            f"That question is {len(q):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it to the main thing you want to know."
        )
    if not re.search(r"[A-Za-z]", q):
        raise QuestionError("Please type your question in words.")
    return q


def strip_hostile(question: str) -> str:
    """Remove the phrases that try to steer the assistant; keep any real question."""
    # Markup is not part of anyone's question: drop the tags, keep the words.
    text = re.sub(r"<[^>]{0,200}>", " ", question)
    text = _HOSTILE.sub(" ", text)
    text = re.sub(r"^[\s,.;:!-]*(?:and|then|now|please|just)?[\s,.;:-]*", "", text, flags=re.I)
    return " ".join(text.split())


def assess(question: str, vocabulary_mentions: int) -> GateResult:
    safeguarding = bool(_SAFEGUARDING.search(question))
    abuse = safeguarding and bool(_ABUSE.search(question))
    nation = next((n for n, rx in NATIONS.items() if rx.search(question)), None)
    hostile = bool(_HOSTILE.search(question))
    off_topic = bool(_OFF_TOPIC.search(question)) and vocabulary_mentions == 0
    cleaned = strip_hostile(question) if hostile else question
    return GateResult(safeguarding, abuse, nation, off_topic, hostile, cleaned)
