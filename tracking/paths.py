"""Paths of the recipient's tracking page that the tracker hands out (the page itself is in
web.views.tracking; the paths are the contract between them)."""


def proof_path(*, token: str, proof_id) -> str:
    """Where the tracking page serves a proof-of-delivery file: only through the order's token."""
    return f"/t/{token}/proofs/{proof_id}/"
