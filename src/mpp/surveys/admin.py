"""The SKM has no admin pages, on purpose.

Why: an answer is anonymous, and the admin was where that broke. The invitation list
showed each ticket's transaction, counter and minute beside the minute it was answered,
and the answer list showed single answers (scores, age, sex, booth, day): together a
manager could tell who said what. Answers are read only as the IKM reports count them
(surveys.reports: no group of fewer than surveys.privacy.MIN_ANSWERS answers is shown),
and invitations change only through surveys.services. See docs/survey-privacy.md.
Nothing is registered here; this module stays so that nobody adds it back unknowingly.
"""
