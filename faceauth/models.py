# Face templates, consent and verification attempts arrive with the face step.
