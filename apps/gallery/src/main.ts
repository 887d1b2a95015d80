import {
  createKlingClient,
  type ImageGenerationCreateRequest,
  isKlingApiError,
  KlingTaskFailedError,
  type OmniImageCreateRequest,
  type TaskFamily,
} from '@klingkit/client';
import { requestEnums } from '@klingkit/client/spec-facts';
import { chooseApi, httpUrl } from './safe-urls.js';

/**
 * The gallery talks to a Kling-compatible server from the browser. By default that is the mock server
 * `pnpm gallery` starts; `?api=<origin>` points it elsewhere (the e2e test uses a random port), but only
 * to this page's host or loopback (chooseApi), so a link cannot send the page's tokens to a stranger.
 * Signing JWTs in a browser exposes the secret key: fine for the mock's demo account, never for a real one.
 */
const params = new URLSearchParams(location.search);
const api = chooseApi(
  params.get('api'),
  location.hostname,
  import.meta.env.VITE_KLING_BASE_URL ?? 'http://127.0.0.1:4010',
);
const { baseUrl } = api;
const kling = createKlingClient({
  baseUrl,
  accessKey: import.meta.env.VITE_KLING_ACCESS_KEY ?? 'demo-access-key',
  secretKey: import.meta.env.VITE_KLING_SECRET_KEY ?? 'demo-secret-key',
});

const form = document.querySelector<HTMLFormElement>('#prompt-form') as HTMLFormElement;
const formError = document.querySelector('#form-error') as HTMLElement;
const taskList = document.querySelector('#tasks') as HTMLElement;
const imageGrid = document.querySelector('#images') as HTMLElement;
(document.querySelector('#connection') as HTMLElement).textContent = `API: ${baseUrl}`;
if (api.refused) {
  const notice = document.querySelector('#api-notice') as HTMLElement;
  notice.textContent = `Ignored ?api=${clip(params.get('api') ?? '')}: ${api.refused}. The gallery only talks to this page's host or loopback.`;
  notice.hidden = false;
}

/** Server text shown on the page is cut short: an answer can hold megabytes. */
function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Form choices are the spec's enums, generated into the client (`@klingkit/client/spec-facts`), so the page
 * offers exactly what the API accepts without shipping the whole spec.
 */
function fillSelect(name: string, choices: { values: readonly string[]; default?: string }) {
  const select = form.elements.namedItem(name) as HTMLSelectElement;
  select.replaceChildren(
    ...choices.values.map(
      (value) => new Option(value, value, value === choices.default, value === choices.default),
    ),
  );
}

function syncChoices() {
  const family = (form.elements.namedItem('family') as HTMLSelectElement).value as TaskFamily;
  const choices = requestEnums(family);
  fillSelect('model', choices.model_name);
  fillSelect('aspect_ratio', choices.aspect_ratio);
  fillSelect('resolution', choices.resolution);
  (form.elements.namedItem('result_type') as HTMLSelectElement).disabled = family !== 'omni';
}
(form.elements.namedItem('family') as HTMLSelectElement).addEventListener('change', syncChoices);
syncChoices();

/** Raw Base64 without the `data:` prefix, as the API requires. */
function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function taskRow(label: string): { update(status: string, detail?: string): void } {
  const row = document.createElement('li');
  const name = Object.assign(document.createElement('span'), { textContent: label });
  const status = Object.assign(document.createElement('strong'), { textContent: 'sending' });
  const detail = document.createElement('span');
  row.append(name, status, detail);
  taskList.prepend(row);
  return {
    update(next, text = '') {
      status.textContent = next;
      status.className = `status-${next}`;
      detail.textContent = text;
      row.dataset.status = next;
    },
  };
}

/**
 * Result URLs come from the API's answers: only http(s) ones go into `src` and `href` (a `javascript:`
 * link would run in this page when clicked). Any other is shown as text in a placeholder. All server
 * text goes in through textContent and text nodes, never as HTML.
 */
function showImages(prompt: string, images: { index?: number; url?: string; watermark_url?: string }[]) {
  // Newest results go first; within one task, keep the images in index order.
  for (const image of [...images].reverse()) {
    if (!image.url) continue;
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    const label = `#${image.index ?? 0}`;
    const url = httpUrl(image.url);
    if (url) {
      const img = Object.assign(document.createElement('img'), { src: url, alt: `${prompt} ${label}` });
      const link = Object.assign(document.createElement('a'), {
        href: url,
        download: '',
        textContent: 'download',
      });
      caption.append(label, link);
      figure.append(img, caption);
    } else {
      figure.className = 'refused';
      const shown = Object.assign(document.createElement('code'), { textContent: clip(String(image.url)) });
      caption.append(`${label}: not shown, the server sent a URL that is not http(s): `, shown);
      figure.append(caption);
    }
    imageGrid.prepend(figure);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  formError.textContent = '';
  const data = new FormData(form);
  const family = String(data.get('family')) as TaskFamily;
  const prompt = String(data.get('prompt') ?? '').trim();
  const count = Number(data.get('count'));
  const series = family === 'omni' && data.get('result_type') === 'series';
  const file = data.get('image');
  const field = (name: string) => String(data.get(name));
  const image = file instanceof File && file.size > 0 ? await readAsBase64(file) : undefined;
  // The selects only offer the spec's enum values, so their strings are the request's literal types.
  const omniRequest: OmniImageCreateRequest = {
    prompt,
    model_name: field('model') as NonNullable<OmniImageCreateRequest['model_name']>,
    aspect_ratio: field('aspect_ratio') as NonNullable<OmniImageCreateRequest['aspect_ratio']>,
    resolution: field('resolution') as NonNullable<OmniImageCreateRequest['resolution']>,
    ...(series ? { result_type: 'series', series_amount: count } : { n: count }),
    ...(image && { image_list: [{ image }] }),
  };
  const generationsRequest: ImageGenerationCreateRequest = {
    prompt,
    model_name: field('model') as NonNullable<ImageGenerationCreateRequest['model_name']>,
    aspect_ratio: field('aspect_ratio') as NonNullable<ImageGenerationCreateRequest['aspect_ratio']>,
    resolution: field('resolution') as NonNullable<ImageGenerationCreateRequest['resolution']>,
    n: count,
    ...(image && { image }),
  };
  const row = taskRow(prompt.slice(0, 60));
  try {
    const onProgress = (task: { task_id: string; task_status: string }) =>
      row.update(task.task_status, task.task_id);
    const result =
      family === 'omni'
        ? await kling.tasks.generate('omni', omniRequest, { onProgress })
        : await kling.tasks.generate('generations', generationsRequest, { onProgress });
    row.update('succeed', result.task.task_id);
    showImages(prompt, result.images);
  } catch (error) {
    const message =
      error instanceof KlingTaskFailedError
        ? `task failed: ${error.reason}`
        : isKlingApiError(error)
          ? `${error.code ?? error.httpStatus}: ${error.apiMessage} (request ${error.requestId ?? 'n/a'})`
          : String(error);
    row.update('failed', message);
    formError.textContent = message;
  }
});
