// Helpers of the entity and pseudonymisation journeys: a named-entity
// campaign seeded through the API (created, its passages imported as a
// text file), and a small zip writer and reader to build a .docx in the
// test and read the one PIAF sends back (node's zlib, no dependency).
import { deflateRawSync, inflateRawSync, crc32 } from 'node:zlib';

/** Waits for a job to end and returns it. */
export async function waitJob(session, id) {
	for (let i = 0; i < 600; i++) {
		const { body } = await session.call('GET', `/api/v1/jobs/${id}`);
		if (['succeeded', 'failed', 'cancelled'].includes(body.state)) return body;
		await new Promise((r) => setTimeout(r, 100));
	}
	throw new Error(`job ${id} did not finish`);
}

/**
 * Creates an open `ner` campaign holding the passages (one document) and
 * returns it. session: a moderator's apiSession; server: the harness's.
 */
export async function seedNerCampaign(server, session, cookieSession, title, passages) {
	const { status, body: campaign } = await session.call('POST', '/api/v1/campaigns', { kind: 'ner', title, status: 'open', test_share: 0 });
	if (status !== 201) throw new Error(`create campaign: ${status} ${JSON.stringify(campaign)}`);
	const form = new FormData();
	form.append('file', new Blob([passages.join('\n\n') + '\n'], { type: 'text/plain' }), 'decisions.txt');
	form.append('min_length', '20');
	const res = await fetch(`${server.url}/api/v1/campaigns/${campaign.id}/imports`, { method: 'POST', headers: cookieSession.headers, body: form });
	const job = await res.json();
	if (res.status !== 202) throw new Error(`import: ${res.status} ${JSON.stringify(job)}`);
	const done = await waitJob(session, job.id);
	if (done.state !== 'succeeded') throw new Error(`import job: ${JSON.stringify(done)}`);
	return campaign;
}

/** Signs in and returns the headers a multipart request needs (cookie, CSRF, Origin). */
export async function sessionHeaders(server, email, password) {
	const res = await fetch(server.url + '/api/v1/auth/login', {
		method: 'POST',
		headers: { 'Content-Type': 'application/json', Origin: server.url },
		body: JSON.stringify({ email, password })
	});
	if (!res.ok) throw new Error(`login ${email}: ${res.status}`);
	const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const { csrf_token: csrf } = await res.json();
	return { headers: { Origin: server.url, Cookie: cookie, 'X-CSRF-Token': csrf } };
}

/** A zip archive (deflated entries) of { name: string | Buffer }. */
export function zip(files) {
	const locals = [];
	const centrals = [];
	let offset = 0;
	for (const [name, content] of Object.entries(files)) {
		const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
		const packed = deflateRawSync(data);
		const fname = Buffer.from(name, 'utf8');
		const crc = crc32(data) >>> 0;
		const local = Buffer.alloc(30);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(0x0800, 6); // UTF-8 names
		local.writeUInt16LE(8, 8); // deflate
		local.writeUInt16LE(0, 10);
		local.writeUInt16LE(0x21, 12); // 1980-01-01
		local.writeUInt32LE(crc, 14);
		local.writeUInt32LE(packed.length, 18);
		local.writeUInt32LE(data.length, 22);
		local.writeUInt16LE(fname.length, 26);
		local.writeUInt16LE(0, 28);
		locals.push(local, fname, packed);
		const central = Buffer.alloc(46);
		central.writeUInt32LE(0x02014b50, 0);
		central.writeUInt16LE(20, 4);
		central.writeUInt16LE(20, 6);
		central.writeUInt16LE(0x0800, 8);
		central.writeUInt16LE(8, 10);
		central.writeUInt16LE(0, 12);
		central.writeUInt16LE(0x21, 14);
		central.writeUInt32LE(crc, 16);
		central.writeUInt32LE(packed.length, 20);
		central.writeUInt32LE(data.length, 24);
		central.writeUInt16LE(fname.length, 28);
		central.writeUInt32LE(offset, 42);
		centrals.push(central, fname);
		offset += local.length + fname.length + packed.length;
	}
	const dir = Buffer.concat(centrals);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(Object.keys(files).length, 8);
	end.writeUInt16LE(Object.keys(files).length, 10);
	end.writeUInt32LE(dir.length, 12);
	end.writeUInt32LE(offset, 16);
	return Buffer.concat([...locals, dir, end]);
}

/** Reads a zip archive into { name: Buffer } (stored and deflated entries). */
export function unzip(buf) {
	let eocd = buf.length - 22;
	while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
	if (eocd < 0) throw new Error('not a zip archive');
	const count = buf.readUInt16LE(eocd + 10);
	let p = buf.readUInt32LE(eocd + 16);
	const out = {};
	for (let i = 0; i < count; i++) {
		const method = buf.readUInt16LE(p + 10);
		const size = buf.readUInt32LE(p + 20);
		const nameLen = buf.readUInt16LE(p + 28);
		const extraLen = buf.readUInt16LE(p + 30);
		const commentLen = buf.readUInt16LE(p + 32);
		const local = buf.readUInt32LE(p + 42);
		const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
		const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
		const raw = buf.subarray(start, start + size);
		out[name] = method === 8 ? inflateRawSync(raw) : Buffer.from(raw);
		p += 46 + nameLen + extraLen + commentLen;
	}
	return out;
}

/** A minimal .docx: one paragraph per entry of runs [{ text, bold }]. */
export function docx(paragraphs) {
	const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
	const body = paragraphs
		.map((runs) => '<w:p>' + runs.map((r) => `<w:r>${r.bold ? '<w:rPr><w:b/></w:rPr>' : ''}<w:t xml:space="preserve">${esc(r.text)}</w:t></w:r>`).join('') + '</w:p>')
		.join('');
	return zip({
		'[Content_Types].xml':
			'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
		'_rels/.rels':
			'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
		'word/document.xml': `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`
	});
}
