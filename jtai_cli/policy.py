"""jtai's own policies, in words: what jtai decides where the guidance is silent.

Kept apart from the code that applies them, and free of heavy imports, so that ``--help`` can
quote them without loading pandas.
"""

from __future__ import annotations

from typing import Literal, get_args

Option = Literal["A", "B"]
"""Annex C's two ways of providing the case lists (paras 13-15). Under option A the lead
inspector selects 20 CSA-FE children and asks the seven additional questions about them
(paras 22-23); under option B the local authority answers them for every child flagged CSA-FE
with the day-2 lists (para 26). The one definition: every module imports it from here."""
#: The options, in order.
OPTIONS: tuple[Option, ...] = get_args(Option)

#: How ``jtai shortlist`` mixes its proposals. The guidance asks for 20 children from all the
#: lists (para 22), then five to seven to track (paras 24, 27) with multi-agency involvement
#: and current or recent work on CSA-FE concerns across the selection (paras 25, 28); the
#: weights below are jtai's, not the guidance's, and the text says so. The lists and age bands
#: it names are written out, not built from the schemas: ``jtai --help`` quotes this text, and
#: loading the schemas (YAML and pydantic) would more than double its time; tests/test_policy.py
#: checks the names against the schemas instead.
MIX_RULE = (
    "jtai's mix rule (not the guidance's): at the 20-children stage, children on the YOT and "
    "NPS lists first, then a mix of legal status (weight 3), open or recently closed (2), age "
    "band (2), gender, ethnicity, disability and allocated team (1 each), so that every list "
    "with flagged children is represented. At the tracking stage, first the children whose "
    "answers show both multi-agency involvement (field 2) and work to address concerns "
    "(fields 5, 6 or 7), then those showing one of them, then the rest; among those, one "
    "child known to the YOT (field 3) and one where the NPS works with a close adult (field "
    "4) when there is one; then more Y answers (field 1 counts double) and a mix of legal "
    "status (3), need (2), disability (2), age, gender, ethnicity, open or closed and team "
    "(1 each). Ties are broken by the seed. --prefer moves matching children up; --require "
    "makes the selection include one; both take a child ID, a list (list-6, list-7, list-8, "
    "yot, nps, list-4, list-5) or an age band (unborn, 0-4, 5-9, 10-15, 16-17)."
)

#: How long after an unborn child's expected date of birth the row may still show the child
#: unborn before jtai warns (``unborn-due-date-passed``): six weeks.
UNBORN_TOLERANCE_DAYS = 42
UNBORN_TOLERANCE = (
    "jtai's tolerance (not the guidance's): an expected date of birth up to six weeks past is "
    "normal, as a pregnancy may run two weeks past its expected date (induction of labour is "
    "offered from 41 weeks) and a birth may take a further four weeks to reach the case record "
    "(a birth is registered within 42 days, and the family may have moved); only an expected "
    "date more than six weeks before the extraction day is a warning, never an error. The same "
    "holds where the date of birth column holds the expected date and the age is -1."
)
