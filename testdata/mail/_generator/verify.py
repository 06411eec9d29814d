"""Parse every fixture with Python's email package and sanity-check expected.json."""
import os
import glob
import html as htmlmod
import json
import os
import re
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..") + os.sep
exp = {e["file"]: e for e in json.load(open(D + "expected.json", encoding="utf-8"))}
files = sorted(os.path.basename(p) for p in glob.glob(D + "*.eml"))
assert set(files) == set(exp), (set(files) ^ set(exp))


def unflow(t):
    out, buf = [], ""
    for line in t.split("\n"):
        if line.endswith(" ") and line != "-- ":
            buf += line
        else:
            out.append(buf + line)
            buf = ""
    if buf:
        out.append(buf)
    return "\n".join(out)


def html_text(h):
    h = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", h)
    h = re.sub(r"(?i)<br\s*/?>|</(p|div|tr|h\d)>", "\n", h)
    h = re.sub(r"<[^>]+>", " ", h)
    return htmlmod.unescape(h)


def norm(s):
    return re.sub(r"[ \t\u00a0]+", " ", s.replace("\ufeff", ""))


problems = []
for fn in files:
    e = exp[fn]
    raw = open(D + fn, "rb").read()
    if raw.startswith(b"From "):
        first, raw_msg = raw.split(b"\n", 1)
    else:
        raw_msg = raw
    msg = BytesParser(policy=policy.default).parsebytes(raw_msg)
    defects = list(msg.defects)
    texts, raws = [], []
    inner_msgs = []
    for part in msg.walk():
        defects += list(part.defects)
        ct = part.get_content_type()
        if ct == "message/rfc822":
            inner_msgs.append(part.get_payload()[0])
        if part.is_multipart() or part.get_content_maintype() != "text":
            if part.get_content_maintype() in ("image", "application"):
                data = part.get_payload(decode=True)
                assert data and len(data) > 10, (fn, ct)
            continue
        content = part.get_content()
        if "\ufffd" in content:
            problems.append("%s: replacement char in %s" % (fn, ct))
        raws.append(content)
        if ct == "text/html":
            texts.append(html_text(content))
        elif part.get_param("format") == "flowed":
            texts.append(unflow(content))
        else:
            texts.append(content)
    if defects:
        problems.append("%s: defects %r" % (fn, defects))
    alltext = norm("\n".join(texts))
    allraw = "\n".join(raws)
    # headers decode
    subj = str(msg["subject"])
    frm = msg["from"]
    fname, faddr = parseaddr(str(frm))
    for c in e["text_contains"]:
        if norm(c) not in alltext:
            problems.append("%s: text_contains %r not found" % (fn, c))
    for x in e["text_excludes"]:
        if x in ("\ufffd",):
            continue
        if x not in allraw and x not in alltext and x.encode() not in raw:
            problems.append("%s: text_excludes %r never occurs (not a meaningful trap)" % (fn, x))
    # where does the original live?
    if inner_msgs:
        im = inner_msgs[0]
        n, a = parseaddr(str(im["from"]))
        isubj = str(im["subject"])
    else:
        n, a, isubj = fname, faddr, subj
    if e["reporter"] == "" and e["kind"] == "email":
        if a.lower() != e["sender_email"] or n != e["sender_name"] or isubj != e["subject"]:
            problems.append("%s: direct header mismatch %r %r %r" % (fn, n, a, isubj))
    if inner_msgs and (a.lower() != e["sender_email"] or n != e["sender_name"] or isubj != e["subject"]):
        problems.append("%s: inner header mismatch %r %r %r" % (fn, n, a, isubj))
    if e["reporter"] and faddr.lower() != e["reporter"]:
        problems.append("%s: reporter %r != From %r" % (fn, e["reporter"], faddr))
    if e["reporter"] and not inner_msgs:
        if e["sender_email"] and e["sender_email"] not in allraw.lower():
            problems.append("%s: original sender address not in body" % fn)
        if e["subject"] not in alltext and e["subject"] not in allraw:
            problems.append("%s: original subject not in body" % fn)
    if e["kind"] == "linkedin_notification":
        slug = e["profile_url"].rsplit("/", 1)[1]
        if "/comm/in/" + slug not in allraw:
            problems.append("%s: profile slug missing" % fn)
        if e["sender_headline"] not in alltext:
            problems.append("%s: headline not found in text" % fn)
        if e["sender_name"] not in alltext and e["sender_name"] not in allraw:
            problems.append("%s: name not found" % fn)
        if not e["reporter"] and subj != e["subject"]:
            problems.append("%s: subject %r" % (fn, subj))
    print("%-42s ok parts=%d subj=%r from=%r" % (fn, len(raws), subj[:60], faddr))

print()
print("\n".join(problems) if problems else "ALL CHECKS PASSED")
