"""The last stage: crisis signposting first, then the reply, the deadline offer, the model letter,
the signposts, and the not-legal-advice line once at the end."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from assistant import tools
from assistant.compose import DISCLAIMER
from assistant.nations import NationFinder
from assistant.query import Query
from assistant.safeguarding import RiskVerdict
from assistant.signposts import Signposts
from assistant.types import Answer, Chunk, Signpost

#: Signposts for a reply, by the topics of the note it comes from.
TOPIC_SIGNPOSTS = {"tribunal": ("ipsea", "send-tribunal"), "disagreements": ("ipsea",),
                   "complaints": ("ombudsman",), "transport": ("ombudsman",)}


def contact(s: Signpost) -> str:
    return f"{s.name}: {s.contact}" + (f" ({s.url})" if s.url else "")


class Finisher:
    def __init__(self, signposts: Signposts, nations: NationFinder,
                 doc_passages: Mapping[str, Sequence[Chunk]]) -> None:
        self.signposts = signposts
        self.nations = nations
        self.doc_passages = doc_passages

    # -- fixed replies --------------------------------------------------------------------

    def nation(self, nation: str) -> Answer:
        local = [s for s in self.signposts.for_kind("out_of_scope", nation)
                 if self.signposts.by_id[s.id].nation == nation]
        text = (f"{self.nations.system(nation)} The guidance I hold covers the law in England "
                "only, so I can't answer this reliably."
                + (f" For advice on the system there, contact {contact(local[0])}." if local
                   else ""))
        return Answer("out_of_scope", text,
                      signposts=local or self.signposts.for_kind("out_of_scope", nation))

    def off_topic(self) -> Answer:
        return Answer(
            "out_of_scope",
            "I can only help with questions about special educational needs and disability "
            "(SEND) support for children and young people in England, and this doesn't look "
            "like one. If it is, please tell me a little more about what you want to know.",
            signposts=self.signposts.get("sendiass", "contact"))

    def not_found(self, steering: bool = False) -> Answer:
        text = (
            "I can only answer questions about SEND support in England from the guidance I "
            "hold, and I can't change how I work or share how I am set up."
            if steering else
            "I couldn't find this in the guidance I hold, so I won't guess. A SEND advice "
            "service can help you with it."
        )
        return Answer("not_found", text, signposts=self.signposts.for_kind("not_found"))

    # -- what every reply gets ------------------------------------------------------------

    def answer_signposts(self, doc_ids: Sequence[str]) -> list[Signpost]:
        topics = {t for d in doc_ids for c in self.doc_passages.get(d, [])[:1] for t in c.topics}
        ids = ["sendiass"] + [i for t in sorted(topics) for i in TOPIC_SIGNPOSTS.get(t, ())]
        return self.signposts.get(*dict.fromkeys(ids))

    def finish(self, result: Answer, q: Query) -> Answer:
        """Add the deadline offer, the letter, safeguarding and the disclaimer to a reply."""
        extra: list[str] = []
        if result.kind == "answer" and q.deadline_kind and result.tool != "deadline":
            extra.append(q.date_problem or tools.offer(q.deadline_kind))
        if q.letter is not None and not q.risk.at_risk and result.kind in ("answer",
                                                                             "not_found"):
            result = self._with_letter(result, q)
            n = next(c.n for c in result.citations if c.doc_id == q.letter.template.doc_id)
            extra.append(tools.letter_line(q.letter, n))
        body = "\n\n".join(x for x in (result.text, *extra) if x)
        if result.kind in ("answer", "not_found"):
            body = f"{body}\n\n{DISCLAIMER}"
        result.text = body
        if q.risk.at_risk:
            result = self._with_safeguarding(result, q.risk)
        return result

    def _with_letter(self, result: Answer, q: Query) -> Answer:
        letter = q.letter
        assert letter is not None
        if result.kind != "answer":  # the guidance said nothing more: the letter is the answer
            result = Answer("answer", "", [], self.signposts.for_kind("not_found"),
                            passages=result.passages, trace=result.trace)
        if not any(c.doc_id == letter.template.doc_id for c in result.citations):
            result.citations = [*result.citations, tools.letter_citation(
                len(result.citations) + 1, letter, self.doc_passages)]
        result.tool, result.letter = result.tool or "letter", letter
        return result

    def safeguarding_text(self, risk: RiskVerdict) -> tuple[str, list[Signpost]]:
        crisis = ["emergency-999", "nhs-111", "samaritans", "childline", "shout"]
        abuse = ["local-safeguarding", "nspcc"]
        ids = (["emergency-999", *abuse, "nhs-111", "samaritans", "childline", "shout"]
               if risk.harm_by_others else [*crisis, "nspcc", "local-safeguarding"])
        signposts = self.signposts.get(*ids)
        lines = [
            "If a child is in immediate danger, call 999 now.",
            "What you describe may mean a child is at risk, so please talk to someone today:",
        ]
        lines += [f"- {contact(s)}" for s in signposts if s.id != "emergency-999"]
        if risk.harm_by_others:
            lines.append(
                "If you think a child is being harmed or abused, tell the school's designated "
                "safeguarding lead or your council's children's services straight away.")
        return "\n".join(lines), signposts

    def _with_safeguarding(self, result: Answer, risk: RiskVerdict) -> Answer:
        prefix, crisis = self.safeguarding_text(risk)
        body = f"\n\nAbout your question:\n{result.text}" if result.text else ""
        result.kind = "safeguarding"
        result.text = prefix + body
        result.signposts = crisis + [s for s in result.signposts if s not in crisis]
        return result
