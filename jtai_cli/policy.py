"""jtai's own policies, in words: what jtai decides where the guidance is silent.

Kept apart from the code that applies them, and free of heavy imports, so that ``--help`` can
quote them without loading pandas.
"""

from __future__ import annotations

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
