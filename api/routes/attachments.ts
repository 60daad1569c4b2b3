// Serves attachment bytes from the blob store. Images shown inline in sanitised HTML are
// served inline; everything else downloads, with nosniff, so an uploaded HTML or SVG file
// can never run in our origin.
import { Router } from 'express';
import { z } from 'zod';
import type { BlobStore } from '../../db/blob-store.ts';
import type { Orm } from '../../db/orm.ts';
import { ProblemError } from '../errors.ts';
import { pathId } from '../request-input.ts';

const inlineSafe = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const params = z.object({ id: pathId });

/** GET /attachments/:id. */
export function attachmentRoutes(deps: { orm: Orm; blobs: BlobStore }): Router {
  const router = Router();

  router.get('/attachments/:id', async (req, res) => {
    const parsed = params.safeParse(req.params);
    if (!parsed.success) throw ProblemError.invalid(parsed.error, 'path');
    const rows: Record<string, unknown>[] = await deps.orm.em
      .fork()
      .execute('select filename, content_type, blob_key from attachment where id = ?', [
        parsed.data.id,
      ]);
    const row = rows[0];
    if (row === undefined) throw ProblemError.notFound(`attachment ${parsed.data.id}`);

    const type = String(row.content_type).toLowerCase();
    const disposition = inlineSafe.has(type) ? 'inline' : 'attachment';
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', "default-src 'none'");
    res.attachment(String(row.filename));
    res.setHeader(
      'content-disposition',
      `${disposition}; filename*=UTF-8''${encodeURIComponent(String(row.filename))}`,
    );
    res.type(inlineSafe.has(type) ? type : 'application/octet-stream');
    res.send(await deps.blobs.get(String(row.blob_key)));
  });

  return router;
}
