"""Stage 5, evaluation: the exported graph scored as the browser runs it, few-shot and OOD reports."""
