"""What a media can be uploaded for, and what each purpose implies."""
PURPOSES = ("post", "product", "event", "message", "avatar", "cover")
PRIVATE_PURPOSES = frozenset({"message"})  # seen only through short-lived signed URLs
PROFILE_PURPOSES = frozenset({"avatar", "cover"})  # images only: a profile header shows no video


def is_private(purpose: str) -> bool:
    return purpose in PRIVATE_PURPOSES
