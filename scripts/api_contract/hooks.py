"""Schemathesis hooks for the contract checks (loaded through SCHEMATHESIS_HOOKS by check.py).

Documents are uploaded as the file itself, typed `application/pdf`, `image/png` or `image/jpeg`, and the
service checks the content against the declared type (415 otherwise). Schemathesis sends its own sample
files for PNG and JPEG; this gives it one for PDF, so generated uploads are real documents.
"""

import schemathesis
from schemathesis.core.file_samples import FILE_SAMPLES


@schemathesis.serializer("application/pdf")
def pdf(ctx, value):
    return FILE_SAMPLES["pdf"]
