import { randomBytes } from 'node:crypto';

/*
 * multipart/form-data bodies built by hand: the exact bytes are known (and testable), and the
 * body is a plain Buffer any undici dispatcher, MockAgent included, can carry.
 */

export interface MultipartFile {
  filename: string;
  contentType: string;
  data: Buffer | string;
}

export interface MultipartBody {
  contentType: string;
  body: Buffer;
}

/** Text fields first, then files (Exchange wants the files last). */
export function multipart(fields: Record<string, string>, files: Record<string, MultipartFile>, boundary = `----onboarding${randomBytes(12).toString('hex')}`): MultipartBody {
  const parts: Buffer[] = [];
  const quote = (s: string) => s.replace(/[\r\n"]/g, (c) => encodeURIComponent(c));
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`, 'utf8'));
  }
  for (const [name, file] of Object.entries(files)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"; filename="${quote(file.filename)}"\r\nContent-Type: ${file.contentType}\r\n\r\n`, 'utf8'),
      typeof file.data === 'string' ? Buffer.from(file.data, 'utf8') : file.data,
      Buffer.from('\r\n', 'utf8'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.concat(parts) };
}
