import textwrap

from common import b64, esc, ew, qp, rnd, write
import li
from li import TABLE, TD, Tok, button, html_page, message_td, profile_card

SEC = "Security Reports <security.reports@parliament.uk>"


def paras_html(lines, tag="p", attrs=""):
    out = []
    for l in lines:
        if l == "":
            continue
        out.append("<%s%s>%s</%s>" % (tag, attrs, esc(l), tag))
    return "".join(out)


# ====================================================================== Gmail
def gmail():
    orig_from_name, orig_from = "Dr Elena Markovic", "e.markovic@eurasia-dialogue-forum.org"
    subj = "Invitation: Eurasian Parliamentary Dialogue 2025 \u2013 speaker slot"
    note = ["Hi,", "", "Can security have a look at this before I reply? It came to the constituency inbox yesterday.", "", "Thanks,", "Rhys"]
    sig = ["Rhys Morgan", "Caseworker to Sir Geraint Lewis MP", "House of Commons | London SW1A 0AA"]
    orig = [
        "Dear Mr Morgan,",
        "",
        "On behalf of the organising committee, I am delighted to invite your Member to speak at the Eurasian Parliamentary Dialogue 2025, to be held in Istanbul on 20\u201322 March.",
        "",
        "The Forum will cover all travel and accommodation in Istanbul for the Member and one accompanying staff member, and we offer an honorarium of \u20ac2,500 for a short keynote.",
        "",
        "To help us prepare the programme, it would be very useful to have a short note in advance on the Member's private views on sanctions and on the committee's forthcoming work. This will of course remain confidential.",
        "",
        "Kind regards,",
        "",
        "Dr Elena Markovic",
        "Programme Director",
        "Eurasian Dialogue Forum",
    ]
    text = "\n".join(note) + "\n\n-- \n" + "\n".join(sig) + "\n\n" + (
        "---------- Forwarded message ---------\n"
        "From: %s <%s>\n"
        "Date: Wed, 15 Jan 2025 at 16:22\n"
        "Subject: %s\n"
        "To: <rhys.morgan@parliament.uk>\n"
        "\n\n" % (orig_from_name, orig_from, subj)
    ) + "\n".join(orig) + "\n"
    orig_html = "".join('<div>%s</div>' % (esc(l) if l else "<br>") for l in orig)
    htmlb = (
        '<div dir="ltr">' + "".join('<div>%s</div>' % (esc(l) if l else "<br>") for l in note)
        + '<div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature" data-smartmail="gmail_signature"><div dir="ltr">'
        + "<br>".join(esc(s) for s in sig) + '</div></div><br><br>'
        '<div class="gmail_quote gmail_quote_container"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        'From: <strong class="gmail_sendername" dir="auto">%s</strong> <span dir="auto">&lt;<a href="mailto:%s">%s</a>&gt;</span><br>'
        'Date: Wed, 15 Jan 2025 at 16:22<br>Subject: %s<br>To: &lt;<a href="mailto:rhys.morgan@parliament.uk">rhys.morgan@parliament.uk</a>&gt;<br></div><br><br>'
        '<div dir="ltr">%s</div>\n</div></div>\n' % (esc(orig_from_name), orig_from, orig_from, esc(subj), orig_html)
    )
    bnd = "000000000000" + rnd(16, "0123456789abcdef")
    omid = "<0102019467b8c3d1-%s-000000@eu-west-1.amazonses.com>" % rnd(8, "0123456789abcdef")
    eml = (
        "Return-Path: <rhys.morgan@parliament.uk>\n"
        "MIME-Version: 1.0\n"
        "References: %s\n"
        "In-Reply-To: %s\n"
        "From: Rhys Morgan <rhys.morgan@parliament.uk>\n"
        "Date: Thu, 16 Jan 2025 10:05:41 +0000\n"
        "X-Gm-Features: %s\n"
        "Message-ID: <CAHx8kq3%s@mail.gmail.com>\n"
        "Subject: %s\n"
        "To: %s\n"
        'Content-Type: multipart/alternative; boundary="%s"\n'
        "\n"
        "--%s\n"
        'Content-Type: text/plain; charset="UTF-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s\n"
        'Content-Type: text/html; charset="UTF-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s--\n"
    ) % (omid, omid, rnd(56), rnd(40), ew("Fwd: " + subj, "UTF-8", "Q"), SEC, bnd, bnd, qp(text), bnd, qp(htmlb), bnd)
    write("forward-gmail-inline.eml", eml)


# ====================================================================== Outlook (desktop, base64, underscore separator)
OUTLOOK_STYLE = """<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
@font-face
	{font-family:Calibri;
	panose-1:2 15 5 2 2 2 4 3 2 4;}
/* Style Definitions */
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;
	mso-fareast-language:EN-US;}
a:link, span.MsoHyperlink
	{mso-style-priority:99;
	color:#0563C1;
	text-decoration:underline;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-size:10.0pt;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
	{page:WordSection1;}
--></style>"""


def outlook_html(note_lines, hdr, orig_lines, extra_orig_html=None):
    def p(l):
        return '<p class="MsoNormal">%s<o:p></o:p></p>' % (esc(l) if l else "<o:p>&nbsp;</o:p>")
    body = "".join(p(l) for l in note_lines)
    hb = ('<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
          '<p class="MsoNormal"><b><span lang="EN-US">From:</span></b><span lang="EN-US"> %s <br>'
          '<b>Sent:</b> %s<br><b>To:</b> %s<br><b>Subject:</b> %s<o:p></o:p></span></p></div></div>'
          '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>') % tuple(esc(x) for x in hdr)
    ob = extra_orig_html if extra_orig_html is not None else "".join(p(l) for l in orig_lines)
    return ('<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:w="urn:schemas-microsoft-com:office:word" '
            'xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" xmlns="http://www.w3.org/TR/REC-html40">\n'
            '<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n<meta name="Generator" content="Microsoft Word 15 (filtered medium)">\n'
            + OUTLOOK_STYLE + '\n</head>\n<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n<div class="WordSection1">\n'
            + body + hb + ob + '\n</div>\n</body>\n</html>\n')


def exchange_headers(frm, to, subject, date, topic, mixed=False):
    mid = "LO2P265MB%s%s" % (rnd(4, "0123456789"), rnd(28, "0123456789ABCDEF"))
    b = "_00%s_%s%sGBRP_" % ("4" if mixed else "0", mid, mid[:13])
    h = (
        "From: %s\n"
        "To: %s\n"
        "Subject: %s\n"
        "Thread-Topic: %s\n"
        "Thread-Index: AQHb%s\n"
        "Date: %s\n"
        "Message-ID: <%s@%s.GBRP265.PROD.OUTLOOK.COM>\n"
        "Accept-Language: en-GB, en-US\n"
        "Content-Language: en-GB\n"
        "X-MS-Has-Attach: %s\n"
        "X-MS-TNEF-Correlator:\n"
        "X-MS-Exchange-Organization-SCL: -1\n"
        'Content-Type: multipart/%s;\n\tboundary="%s"\n'
        "MIME-Version: 1.0\n"
    ) % (frm, to, subject, topic, rnd(24), date, mid, mid[:13], "yes" if mixed else "", "mixed" if mixed else "alternative", b)
    return h, b


def outlook_inline():
    note = ["Hi team,", "", "Forwarding this for the security review \u2013 I haven\u2019t replied and the sender isn\u2019t known to the office.", "", "Thanks,", "Jane", "",
            "Jane Smith", "Senior Parliamentary Assistant", "Office of Sir Geraint Lewis MP | House of Commons | London SW1A 0AA", ""]
    subj = "Request for background briefing \u2013 Select Committee inquiry"
    hdr = ("Mark Hollis <mark.hollis@westbrook-advisory.com>", "13 January 2025 17:48", "SMITH, Jane <jane.smith@parliament.uk>", subj)
    orig = [
        "Dear Jane,", "",
        "I hope you are well. I advise a number of overseas clients with an interest in the Business and Trade Committee\u2019s current inquiry.", "",
        "Would it be possible to see the draft report before publication, or failing that a short background briefing on where the Committee is landing? My clients would pay a consultancy fee of \u00a35,000 for a few pages.", "",
        "Anything you share would be treated in strict confidence.", "",
        "Best wishes,", "Mark", "",
        "Mark Hollis", "Director | Westbrook Advisory", "+44 20 7946 0321",
    ]
    text = "\n".join(note) + "\n________________________________\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s\n\n" % hdr + "\n".join(orig) + "\n"
    htmlb = outlook_html(note, hdr, orig)
    h, b = exchange_headers('"SMITH, Jane" <jane.smith@parliament.uk>', SEC, ew("FW: " + subj, "utf-8", "B"),
                            "Thu, 16 Jan 2025 09:12:05 +0000", ew(subj, "utf-8", "B"))
    eml = h + (
        "\n--%s\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--%s\n"
        'Content-Type: text/html; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--%s--\n"
    ) % (b, b64(text), b, b64(htmlb), b)
    write("forward-outlook-inline.eml", eml)


def outlook_original_message():
    text = (
        "Is this genuine? The travel office says they did not send it.\n"
        "\n"
        "Owen\n"
        "\n"
        "-----Original Message-----\n"
        "From: Parliamentary Travel Office <travel-office@parliament-delegations.com> \n"
        "Sent: Monday, January 13, 2025 4:12 PM\n"
        "To: Owen Price <owen.price@parliament.uk>\n"
        "Subject: Updated itinerary - parliamentary delegation to Baku\n"
        "\n"
        "Dear Owen,\n"
        "\n"
        "Please find the updated itinerary for the delegation at the secure portal below. To keep your seat reserved you must confirm passport details for the Member and accompanying staff by 5pm tomorrow.\n"
        "\n"
        "https://parliament-delegations.com/secure/itinerary?ref=PD-2025-0113\n"
        "\n"
        "Regards,\n"
        "Parliamentary Travel Office\n"
    )
    eml = (
        "From: \"Owen Price\" <owen.price@parliament.uk>\n"
        "To: <security.reports@parliament.uk>\n"
        "Subject: FW: Updated itinerary - parliamentary delegation to Baku\n"
        "Date: Tue, 14 Jan 2025 08:41:19 -0000\n"
        "Message-ID: <000001db6651$8f2e1c40$ad8a54c0$@parliament.uk>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain;\n\tcharset=\"us-ascii\"\n"
        "Content-Transfer-Encoding: 7bit\n"
        "X-Mailer: Microsoft Outlook 16.0\n"
        "Thread-Index: AdtmUVYvBjRDP3nqTlmcsT5z1Vq0Ag==\n"
        "Content-Language: en-gb\n"
        "\n" + text
    )
    write("forward-outlook-original-message.eml", eml, crlf=True)


# ====================================================================== Apple (iPhone)
def apple():
    note = "Is this legit? I\u2019ve never heard of this outlet and I haven\u2019t replied."
    orig = [
        "Dear Priya,", "",
        "I\u2019m a freelance journalist writing a long-read on UK defence procurement for The Meridian Review. I\u2019d love to have an informal chat, strictly off the record, about how the Defence Committee is approaching its current inquiry.", "",
        "I appreciate your time is valuable, so my editor has agreed a modest retainer for ongoing background conversations.", "",
        "It might be easiest to talk on Signal on +44 7700 900457 rather than email.", "",
        "Best,", "Sophie",
    ]
    subj = "Off-the-record conversation about the Defence Committee"
    text = (note + "\n\nSent from my iPhone\n\nBegin forwarded message:\n\n"
            "From: Sophie Laurent <sophie.laurent@meridian-review.net>\n"
            "Date: 15 January 2025 at 22:41:07 GMT\n"
            "To: priya.patel@parliament.uk\n"
            "Subject: %s\n\n\ufeff" % subj) + "\n".join(orig) + "\n"
    htmlb = (
        '<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head><body dir="auto">'
        '<div dir="ltr">%s</div><div dir="ltr"><br></div><div dir="ltr">Sent from my iPhone</div>'
        '<div dir="ltr"><br><blockquote type="cite">Begin forwarded message:<br><br></blockquote></div>'
        '<blockquote type="cite"><div dir="ltr"><b>From:</b> Sophie Laurent &lt;sophie.laurent@meridian-review.net&gt;<br>'
        '<b>Date:</b> 15 January 2025 at 22:41:07 GMT<br><b>To:</b> priya.patel@parliament.uk<br>'
        '<b>Subject:</b> <b>%s</b><br><br></div></blockquote>'
        '<blockquote type="cite"><div dir="ltr">\ufeff%s</div></blockquote></body></html>\n'
    ) % (esc(note), esc(subj), "".join("<div>%s</div>" % (esc(l) if l else "<br>") for l in orig))
    bnd = "Apple-Mail-4F2C8B1E-9A7D-4C3E-B5F6-1D2E3F4A5B6C"
    eml = (
        "Content-Type: multipart/alternative; boundary=%s\n"
        "Content-Transfer-Encoding: 7bit\n"
        "From: Priya Patel <priya.patel@parliament.uk>\n"
        "Mime-Version: 1.0 (1.0)\n"
        "Date: Thu, 16 Jan 2025 07:58:14 +0000\n"
        "Subject: Fwd: %s\n"
        "Message-Id: <8A3C2F1E-6B4D-4E21-9C7A-0F1E2D3C4B5A@parliament.uk>\n"
        "References: <Xq9LmN2pR4sT6uV8wY0z@meridian-review.net>\n"
        "In-Reply-To: <Xq9LmN2pR4sT6uV8wY0z@meridian-review.net>\n"
        "To: %s\n"
        "X-Mailer: iPhone Mail (22C152)\n"
        "\n\n"
        "--%s\n"
        "Content-Type: text/plain;\n\tcharset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s\n"
        "Content-Type: text/html;\n\tcharset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s--\n"
    ) % (bnd, subj, SEC, bnd, qp(text), bnd, qp(htmlb), bnd)
    write("forward-apple-inline.eml", eml)


# ====================================================================== Thunderbird (format=flowed, 8bit)
def flowed(paragraph, width=72):
    lines = textwrap.wrap(paragraph, width=width - 1, break_long_words=False, break_on_hyphens=False)
    return "\n".join(l + " " for l in lines[:-1]) + ("\n" if len(lines) > 1 else "") + lines[-1]


def thunderbird():
    note = "Another one for the log \u2013 the same organisation wrote to two other offices last week."
    subj = "Parliamentary internship exchange \u2013 partnership proposal"
    orig = [
        "Dear Mr Jones,",
        "I write on behalf of the Asia-Pacific Young Leaders Exchange (APYLE). We would like to propose an internship exchange between your office and young professionals from our partner institutions.",
        "As part of the partnership we can offer your staff a fully funded study tour to Beijing and Shanghai in the spring, including meetings with senior officials.",
        "To prepare the matching process, could you send us a list of staff members and their roles, together with their personal contact details?",
        "With best regards,\nZhang Wei\nPartnership Coordinator\nAsia-Pacific Young Leaders Exchange",
    ]
    def fl(p):
        return p if "\n" in p else flowed(p)
    text = (fl(note) + "\n\nDavid\n\n\n-------- Forwarded Message --------\n"
            "Subject: \t%s\n"
            "Date: \tTue, 14 Jan 2025 11:20:03 +0800\n"
            "From: \tZhang Wei <zhang.wei@apyle-exchange.org>\n"
            "To: \tdavid.jones@parliament.uk\n\n\n\n" % subj) + "\n\n".join(fl(p) for p in orig) + "\n\n"
    ohtml = "\n".join("      <p>%s</p>" % esc(p).replace("\n", "<br>\n        ") for p in orig)
    htmlb = """<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
  </head>
  <body>
    <p>%s</p>
    <p>David<br>
    </p>
    <div class="moz-forward-container"><br>
      <br>
      -------- Forwarded Message --------
      <table class="moz-email-headers-table" cellspacing="0" cellpadding="0" border="0">
        <tbody>
          <tr>
            <th valign="BASELINE" nowrap="nowrap" align="RIGHT">Subject:
            </th>
            <td>%s</td>
          </tr>
          <tr>
            <th valign="BASELINE" nowrap="nowrap" align="RIGHT">Date: </th>
            <td>Tue, 14 Jan 2025 11:20:03 +0800</td>
          </tr>
          <tr>
            <th valign="BASELINE" nowrap="nowrap" align="RIGHT">From: </th>
            <td>Zhang Wei <a class="moz-txt-link-rfc2396E" href="mailto:zhang.wei@apyle-exchange.org">&lt;zhang.wei@apyle-exchange.org&gt;</a></td>
          </tr>
          <tr>
            <th valign="BASELINE" nowrap="nowrap" align="RIGHT">To: </th>
            <td><a class="moz-txt-link-abbreviated moz-txt-link-freetext" href="mailto:david.jones@parliament.uk">david.jones@parliament.uk</a></td>
          </tr>
        </tbody>
      </table>
      <br>
      <br>
%s
    </div>
  </body>
</html>
""" % (esc(note), esc(subj), ohtml)
    bnd = "------------dH3kP9xQz2mL7vN4bR8sT1wY"
    eml = (
        "Message-ID: <3f1c9a2e-7b54-4d1a-9e0c-5a6b7c8d9e0f@parliament.uk>\n"
        "Date: Wed, 15 Jan 2025 09:14:52 +0000\n"
        "MIME-Version: 1.0\n"
        "User-Agent: Mozilla Thunderbird\n"
        "Content-Language: en-GB\n"
        "To: security.reports@parliament.uk\n"
        "From: David Jones <david.jones@parliament.uk>\n"
        "Subject: %s\n"
        "References: <20250114032003.5521.8f2a@mail.apyle-exchange.org>\n"
        "X-Forwarded-Message-Id: <20250114032003.5521.8f2a@mail.apyle-exchange.org>\n"
        "Content-Type: multipart/alternative;\n"
        ' boundary="%s"\n'
        "\n"
        "This is a multi-part message in MIME format.\n"
        "--%s\n"
        "Content-Type: text/plain; charset=UTF-8; format=flowed\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n%s"
        "--%s\n"
        "Content-Type: text/html; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "\n%s\n"
        "--%s--\n"
    ) % (ew("Fwd: " + subj, "UTF-8", "Q"), bnd, bnd, text, bnd, htmlb, bnd)
    write("forward-thunderbird-inline.eml", eml, encoding="utf-8")


# ====================================================================== attached message/rfc822
def attached():
    subj = "URGENT: Committee schedule change \u2013 action required"
    inner_text = (
        "Dear Jane,\n\n"
        "Due to a room clash, the revised witness schedule for next Tuesday's evidence session has been moved to the secure committee portal.\n\n"
        "Please log in with your parliamentary network credentials within 2 hours to confirm the Member's attendance, otherwise the slot will be reallocated.\n\n"
        "Access the revised schedule: https://parliarnent-uk.com/committees/portal/login?session=8d2f41c\n\n"
        "Committee Office\nHouse of Commons\n"
    )
    inner_html = (
        '<html><body style="font-family:Arial,sans-serif;font-size:14px">'
        "<p>Dear Jane,</p>"
        "<p>Due to a room clash, the revised witness schedule for next Tuesday's evidence session has been moved to the secure committee portal.</p>"
        "<p>Please <b>log in with your parliamentary network credentials within 2 hours</b> to confirm the Member's attendance, otherwise the slot will be reallocated.</p>"
        '<p><a href="https://parliarnent-uk.com/committees/portal/login?session=8d2f41c">https://committees.parliament.uk/portal/schedule</a></p>'
        '<p>Committee Office<br>House of Commons</p>'
        '<img src="https://parliarnent-uk.com/t/o.gif?r=js-0116" width="1" height="1"></body></html>\n'
    )
    ib = "b1_Zx8Qm2Lr5Tn7Vp9Wk3YhA4cF6gJ"
    inner = (
        "Received: from mail.parliarnent-uk.com (unknown [185.220.101.47])\n"
        "\tby mx1.parliament.uk (Postfix) with ESMTP id 4YdA1b2C3d4e\n"
        "\tfor <jane.smith@parliament.uk>; Thu, 16 Jan 2025 16:51:09 +0000 (GMT)\n"
        "Authentication-Results: mx1.parliament.uk;\n"
        "\tspf=fail (mx1.parliament.uk: domain of bounce@parliarnent-uk.com does not designate 185.220.101.47 as permitted sender) smtp.mailfrom=bounce@parliarnent-uk.com;\n"
        "\tdkim=none (message not signed) header.d=none;\n"
        "\tdmarc=fail action=quarantine header.from=parliarnent-uk.com\n"
        "Received-SPF: Fail (mx1.parliament.uk: domain of bounce@parliarnent-uk.com does not designate 185.220.101.47 as permitted sender) receiver=mx1.parliament.uk; client-ip=185.220.101.47; helo=mail.parliarnent-uk.com;\n"
        "Return-Path: bounce@parliarnent-uk.com\n"
        "Date: Thu, 16 Jan 2025 16:50:58 +0000\n"
        "From: \"Committee Office\" <committee.office@parliarnent-uk.com>\n"
        "Reply-To: committee.office.clerk@gmail.com\n"
        "To: \"SMITH, Jane\" <jane.smith@parliament.uk>\n"
        "Subject: %s\n"
        "Message-ID: <20250116165058.7F3A2B1C@mail.parliarnent-uk.com>\n"
        "X-Mailer: PHPMailer 6.9.1 (https://github.com/PHPMailer/PHPMailer)\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/alternative;\n\tboundary="%s"\n'
        "\n"
        "This is a multi-part message in MIME format.\n"
        "--%s\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s--\n"
    ) % (ew(subj, "utf-8", "B"), ib, ib, qp(inner_text), ib, qp(inner_html), ib)

    note = "Suspicious \u2013 sent as attachment so you get the headers. The link goes to a fake login page.\n\nJane\n"
    note_html = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body dir="ltr">'
                 '<div style="font-family: Aptos, Calibri, sans-serif; font-size: 12pt;">Suspicious \u2013 sent as attachment so you get the headers. The link goes to a fake login page.</div>'
                 '<div><br></div><div>Jane</div></body></html>\n')
    h, b = exchange_headers('"SMITH, Jane" <jane.smith@parliament.uk>', SEC, ew("FW: " + subj, "utf-8", "B"),
                            "Fri, 17 Jan 2025 08:15:33 +0000", ew(subj, "utf-8", "B"), mixed=True)
    ab = b.replace("_004_", "_000_")
    eml = h + (
        "\n--%s\n"
        'Content-Type: multipart/alternative;\n\tboundary="%s"\n'
        "\n"
        "--%s\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--%s\n"
        'Content-Type: text/html; charset="utf-8"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--%s--\n"
        "\n"
        "--%s\n"
        "Content-Type: message/rfc822\n"
        "Content-Disposition: attachment;\n"
        '\tcreation-date="Fri, 17 Jan 2025 08:15:32 GMT";\n'
        '\tmodification-date="Fri, 17 Jan 2025 08:15:32 GMT"\n'
        "\n%s\n"
        "--%s--\n"
    ) % (b, ab, ab, b64(note), ab, b64(note_html), ab, b, inner, b)
    write("forward-attached-rfc822.eml", eml, crlf=True)


# ====================================================================== forwarded LinkedIn notification (Outlook)
def forwarded_linkedin():
    li.RECIPIENT_FOOTER["Amira Hassan"] = "Senior Researcher at House of Commons"
    tok = Tok("email_member_message_v2")
    name, slug = "Daniel Reyes", "daniel-reyes-ngr"
    headline = "Senior Analyst at Northgate Geopolitical Risk"
    loc = "Washington DC-Baltimore Area"
    msg = [
        "Hi Amira,", "",
        "I came across your profile while researching the Defence Committee. I'm writing a private client note on UK defence procurement and would really value your views on the defence procurement bill before it reaches report stage.", "",
        "Happy to offer a \u00a3750 honorarium for a 30-minute call \u2013 totally informal.", "",
        "LinkedIn is a bit clunky for me \u2013 could we continue this on Telegram? I'm @dreyes_ngr.", "",
        "Thanks,", "Daniel",
    ]
    thread = tok.url("messaging/thread/%s/" % tok.thread(), "conversation-0-view_message")
    prof_img = tok.url("in/%s" % slug, "conversation-0-profile_image")
    prof_name = tok.url("in/%s" % slug, "conversation-0-profile_name")
    me = tok.url("in/amira-hassan-8812b4", "header-0-profile_glimmer", host="uk.linkedin.com")
    home = tok.url("feed/", "header-0-home_glimmer")
    content = f"""<div> <table {TABLE} width="100%" {TD}> <tbody> <tr> <td {TD}> <h2 class="text-lg font-bold" style="margin: 0; font-size: 20px; font-weight: 600;"> You have 1 new message </h2> </td> </tr> <tr> <td class="pt-2" style="padding-top: 16px;"> {profile_card(tok, name, slug, headline, loc, trk_prefix="conversation-0")} </td> </tr> <tr> {message_td(msg)} </tr> <tr> <td class="pt-2 pb-2" style="padding-bottom: 16px; padding-top: 16px;"> {button(thread, "View message")} </td> </tr> </tbody> </table> </div>"""
    page = html_page(tok, "Hi Amira, I came across your profile while researching the Defence Committee...", "Amira Hassan", "amira-hassan-8812b4", content)
    # Outlook keeps LinkedIn's body inside its own wrapper: take <body>...</body> content
    inner_body = page.split('data-email-preheader="true">', 1)[1]
    inner_body = '<div style="display:none">' + inner_body.split("</body>", 1)[0]
    note = ["Got this on LinkedIn last night, it feels off \u2013 he\u2019s pushing to move off the platform. Forwarding for the log.", "", "Amira", ""]
    hdr = ("Daniel Reyes via LinkedIn <messaging-digest-noreply@linkedin.com>", "15 January 2025 21:07",
           "Amira Hassan <amira.hassan@parliament.uk>", "Daniel just messaged you")
    htmlb = outlook_html(note, hdr, None, extra_orig_html='<div>' + inner_body + '</div>')
    # Outlook's text rendering of the LinkedIn HTML: link text followed by <url>
    text = "\n".join(note) + "\n________________________________\nFrom: %s\nSent: %s\nTo: %s\nSubject: %s\n\n" % hdr
    text += (
        "[LinkedIn]<%s>\n[Amira Hassan]<%s>\n"
        "You have 1 new message\n"
        "[Daniel Reyes profile picture]<%s>\n"
        "Daniel Reyes<%s>\n"
        "%s\n%s\n\n%s\n\n"
        "View message<%s>\n\n\n"
        "This email was intended for Amira Hassan (Senior Researcher at House of Commons)\n"
        "Learn why we included this.<%s>\n"
        "You are receiving LinkedIn notification emails.\n"
        "Unsubscribe<%s>   \u00b7   Help<%s>\n"
        "[LinkedIn]<%s>\n"
        "\u00a9 2025 LinkedIn Corporation, 1\u200c000 West Maude Avenue, Sunnyvale, CA 94085. LinkedIn and the LinkedIn logo are registered trademarks of LinkedIn.\n"
    ) % (home, me, prof_img, prof_name, headline, loc, "\n".join(msg), thread,
         tok.help_url("4788", "SecurityHelp-0-footerglimmer"), tok.unsub("unsubscribe-0-footerGlimmer"),
         tok.help_url("67", "help-0-footerglimmer"), tok.url("feed/", "footer-0-logoGlimmer"))
    h, b = exchange_headers('"HASSAN, Amira" <amira.hassan@parliament.uk>', SEC, "FW: Daniel just messaged you",
                            "Thu, 16 Jan 2025 08:03:44 +0000", "Daniel just messaged you")
    eml = h + (
        "\n--%s\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s\n"
        'Content-Type: text/html; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--%s--\n"
    ) % (b, qp(text), b, qp(htmlb), b)
    write("forward-of-linkedin-notification.eml", eml, crlf=True)


# ====================================================================== HTML-only forward (new Outlook / OWA)
def html_only():
    orig = [
        "Dear Owen,", "",
        "Further to our conversation at the energy security roundtable, the Baltic Energy Dialogue would be delighted to cover the full cost of the reception for the APPG in March.", "",
        "As the funding comes from a private foundation, there is no need to register this as a benefit \u2013 we would simply settle the caterer\u2019s invoice directly.", "",
        "At the reception I would also like to introduce you to our board, several of whom are keen to understand the Member\u2019s position on the pipeline consultation.", "",
        "With warm regards,", "Viktor Sokolov", "Director of External Relations", "Baltic Energy Dialogue",
    ]
    div = '<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Aptos_MSFontService, Calibri, Helvetica, sans-serif; font-size: 12pt; color: rgb(0, 0, 0);">%s</div>'
    htmlb = (
        '<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\n'
        '</head>\n<body dir="ltr">\n'
        + div % "Flagging this one \u2013 they\u2019re offering to pay for the whole reception and asked us not to register it." + "\n"
        + div % "<br>" + "\n" + div % "Owen" + "\n"
        '<div id="appendonsend"></div>\n'
        '<hr style="display:inline-block;width:98%" tabindex="-1">\n'
        '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000"><b>From:</b> Viktor Sokolov &lt;v.sokolov@baltic-energy-dialogue.com&gt;<br>\n'
        '<b>Sent:</b> 14 January 2025 12:03<br>\n<b>To:</b> Owen Price &lt;owen.price@parliament.uk&gt;<br>\n'
        '<b>Subject:</b> Sponsorship of APPG reception</font>\n<div>&nbsp;</div>\n</div>\n'
        '<div class="x_WordSection1">\n' + "\n".join('<p class="x_MsoNormal">%s</p>' % (esc(l) if l else "&nbsp;") for l in orig)
        + "\n</div>\n</body>\n</html>\n"
    )
    eml = (
        "From: Owen Price <owen.price@parliament.uk>\n"
        "To: %s\n"
        "Subject: FW: Sponsorship of APPG reception\n"
        "Thread-Topic: Sponsorship of APPG reception\n"
        "Thread-Index: AQHbZn3kT8xq0w2yUE+Lr5k3oJ7m8A==\n"
        "Date: Wed, 15 Jan 2025 15:27:50 +0000\n"
        "Message-ID: <DB9PR03MB7420C6A1E2F3B4C5D6E7F8091A2B3C4D@DB9PR03MB7420.eurprd03.prod.outlook.com>\n"
        "Accept-Language: en-GB, en-US\n"
        "Content-Language: en-GB\n"
        "X-MS-Has-Attach:\n"
        "Content-Type: text/html; charset=\"utf-8\"\n"
        "Content-Transfer-Encoding: base64\n"
        "MIME-Version: 1.0\n"
        "\n%s"
    ) % (SEC, b64(htmlb))
    write("forward-html-only.eml", eml)


gmail()
outlook_inline()
outlook_original_message()
apple()
thunderbird()
attached()
forwarded_linkedin()
html_only()
