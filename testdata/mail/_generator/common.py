"""Helpers for writing realistic .eml fixtures by hand (headers kept verbatim)."""
import base64
import html
import quopri
import random

import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..") + os.sep

random.seed(20250115)


def rnd(n, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"):
    return "".join(random.choice(alphabet) for _ in range(n))


def qp(text, charset="utf-8"):
    """Quoted-printable body, soft-wrapped at 76 like real mailers."""
    raw = text.encode(charset)
    out = quopri.encodestring(raw, quotetabs=False).decode("ascii")
    return out


def b64(data, charset="utf-8"):
    if isinstance(data, str):
        data = data.encode(charset)
    return base64.encodebytes(data).decode("ascii")


def ew(text, charset="utf-8", enc="B"):
    """RFC 2047 encoded-word(s); splits long values into several words."""
    raw = text.encode(charset)
    words = []
    if enc == "B":
        # keep each encoded word <= 75 chars: chunk raw bytes on char boundaries
        chunk = []
        size = 0
        for ch in text:
            b = ch.encode(charset)
            if size + len(b) > 42 and chunk:
                words.append("".join(chunk))
                chunk, size = [], 0
            chunk.append(ch)
            size += len(b)
        if chunk:
            words.append("".join(chunk))
        return "\n ".join(
            "=?%s?B?%s?=" % (charset, base64.b64encode(w.encode(charset)).decode()) for w in words
        )
    # Q encoding
    def qenc(s):
        out = []
        for byte in s.encode(charset):
            c = chr(byte)
            if c == " ":
                out.append("_")
            elif byte < 128 and (c.isalnum() or c in "!*+-/"):
                out.append(c)
            else:
                out.append("=%02X" % byte)
        return "".join(out)
    chunk, cur = [], ""
    for ch in text:
        if len(qenc(cur + ch)) > 45 and cur:
            chunk.append(cur)
            cur = ""
        cur += ch
    if cur:
        chunk.append(cur)
    return "\n ".join("=?%s?Q?%s?=" % (charset, qenc(w)) for w in chunk)


def esc(s):
    return html.escape(s, quote=True)


def write(name, text, crlf=False, encoding="ascii"):
    text = text.replace("\r\n", "\n")
    if crlf:
        text = text.replace("\n", "\r\n")
    with open(OUT + name, "wb") as f:
        f.write(text.encode(encoding))
    print("wrote", name)
