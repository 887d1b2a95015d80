/**
 * GENERATED FILE - DO NOT EDIT BY HAND.
 * Source: spec/dist/openapi.json (bundled from spec/), by openapi-typescript.
 * Regenerate with `pnpm --filter @klingkit/client codegen`; a test fails when this file is stale.
 */

export interface paths {
    "/v1/images/generations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Image Generation tasks
         * @description Lists the account's Image Generation tasks, newest first, one page at a time. `data` is a plain array with no
         *     total or cursor: a page shorter than `pageSize` (or empty) is the last. With `external_task_id`, it
         *     queries the one task created with that id instead (a one-element array, or 404 / 1203).
         */
        get: operations["listImageGenerationTasks"];
        put?: never;
        /**
         * Create an Image Generation task
         * @description Creates an Image Generation task: text-to-image, or image-to-image with `image` (Base64 or URL).
         *     The task holds `n` concurrency slots until it ends. Poll it, list it, or pass `callback_url`.
         *     Send an `external_task_id` to make retries safe: after an unclear failure, look the task up by it
         *     before creating again.
         */
        post: operations["createImageGenerationTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/generations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The task's `task_id`. As a second reading of the documentation ("query by `task_id` or
                 *     `external_task_id`"), an id that is no `task_id` of the account is looked up as an `external_task_id`
                 *     of the same account.
                 */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        /**
         * Get one Image Generation task
         * @description Returns one task of the account by `task_id` (or, as a second reading, by `external_task_id`): its
         *     status, and once it succeeded, its result URLs. Result URLs expire 30 days after generation.
         */
        get: operations["getImageGenerationTask"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/omni-image": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List Omni-Image tasks
         * @description Lists the account's Omni-Image tasks, newest first, one page at a time. `data` is a plain array with no
         *     total or cursor: a page shorter than `pageSize` (or empty) is the last. With `external_task_id`, it
         *     queries the one task created with that id instead (a one-element array, or 404 / 1203).
         */
        get: operations["listOmniImageTasks"];
        put?: never;
        /**
         * Create an Omni-Image task
         * @description Creates an Omni-Image task from a prompt that may reference images and elements by template
         *     (`<<<image_1>>>`, `<<<element_1>>>`). The task holds `n` slots (`series_amount` for a series) until it
         *     ends. Send an `external_task_id` to make retries safe.
         */
        post: operations["createOmniImageTask"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/omni-image/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The task's `task_id`. As a second reading of the documentation ("query by `task_id` or
                 *     `external_task_id`"), an id that is no `task_id` of the account is looked up as an `external_task_id`
                 *     of the same account.
                 */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        /**
         * Get one Omni-Image task
         * @description Returns one task of the account by `task_id` (or, as a second reading, by `external_task_id`): its
         *     status, and once it succeeded, its result URLs. Result URLs expire 30 days after generation.
         */
        get: operations["getOmniImageTask"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description The envelope of every successful response; `data` is added by each response. */
        SuccessEnvelope: {
            /**
             * @description `0` on success.
             * @constant
             */
            code: 0;
            /** @description `SUCCEED` on success. */
            message: string;
            /** @description Request id for support; UUID-like in current responses, base64-like in older ones. */
            request_id: string;
        };
        /**
         * @description Platform task id. Seen numeric (`867283741759111202`) and base64-like (`CjMT7WdSwWcAAAAAALvB3g`), so the
         *     pattern admits digits and both base64 alphabets with padding, up to 128 characters (klingkit's bound, far
         *     above any id seen). Anything else (dots, spaces, control characters) is not a task id: receivers
         *     refuse it rather than build file names or URLs from it.
         */
        TaskId: string;
        /**
         * @description `submitted` (accepted, queued) -> `processing` -> `succeed` or `failed`. Note the spelling `succeed`.
         * @enum {string}
         */
        TaskStatus: "submitted" | "processing" | "succeed" | "failed";
        /**
         * @description Your own id for the task, unique per account; it never replaces the platform's `task_id`, and the task
         *     can be queried by it. A create that reuses an id the account already has is rejected with 400 / 1201
         *     (klingkit's reading; the platform does not document the answer). The 256-character limit is klingkit's.
         */
        ExternalTaskId: string;
        /** @description Task parameters echoed back. */
        TaskInfo: {
            /** @description The `external_task_id` given at create; absent or empty when none was given. */
            external_task_id?: components["schemas"]["ExternalTaskId"] | "";
        };
        /**
         * @description The watermark setting of a task, as queries, lists and callbacks echo it: `enabled` says whether the task
         *     also generates a watermarked variant of each result (`watermark_url`). A create request sets it with
         *     `WatermarkInfoRequest`.
         */
        WatermarkInfo: {
            /** @description `true`: the task generates watermarked results as well; `false`: it does not. */
            enabled: boolean;
        };
        /** @description Fields every image task carries, in queries, lists and callbacks. */
        TaskBase: {
            task_id: components["schemas"]["TaskId"];
            task_status: components["schemas"]["TaskStatus"];
            /**
             * @description Why the task failed (for example a content-safety rejection); empty unless it failed. The platform's
             *     reasons are one sentence; 4096 characters is klingkit's bound.
             */
            task_status_msg?: string;
            task_info?: components["schemas"]["TaskInfo"];
            watermark_info?: components["schemas"]["WatermarkInfo"];
            /** @description Units charged for the task, as a string holding a number (e.g. `"8"`). Absent on create. */
            final_unit_deduction?: string;
            /**
             * Format: int64
             * @description Creation time, Unix milliseconds.
             */
            created_at: number;
            /**
             * Format: int64
             * @description Time of the last status change, Unix milliseconds.
             */
            updated_at: number;
        };
        /**
         * Format: uri
         * @description An absolute `http` or `https` URL of a result file, without spaces or control characters. Result links are
         *     signed CDN URLs of a few hundred characters; 4096 is klingkit's generous bound. Any other scheme
         *     (`data:`, `javascript:`, `file:`) is refused.
         */
        ResultUrl: string;
        /**
         * @description One result image. URLs are anti-hotlinking links, deleted 30 days after generation: download results
         *     you want to keep. One reseller's samples show `{id, url}` without `index`; tolerant clients accept both.
         */
        TaskResultImage: {
            /** @description Sequence number of the image within the task, from 0. */
            index?: number;
            /** @description Image id, seen instead of `index` in some third-party samples (klingkit bounds it at 256). */
            id?: string;
            /** @description Generated image URL (expires 30 days after generation). */
            url: components["schemas"]["ResultUrl"];
            /** @description Watermarked variant, present when `watermark_info.enabled` was true. */
            watermark_url?: components["schemas"]["ResultUrl"];
        };
        /** @description Results of an Image Generation task; present once the task succeeded. */
        ImageGenerationTaskResult: {
            /** @description The `n` result images; `n` is 1 to 9, so at most 9. */
            images?: components["schemas"]["TaskResultImage"][];
        };
        /** @description An Image Generation task as queries, lists and callbacks return it. */
        ImageGenerationTask: components["schemas"]["TaskBase"] & {
            task_result?: components["schemas"]["ImageGenerationTaskResult"];
        };
        /**
         * @description A page of Image Generation tasks, newest first. `data` is a plain array: there is no total count or cursor, so a
         *     page shorter than `pageSize` (or empty) is the last one. With `external_task_id`, it holds the one match.
         */
        ImageGenerationTaskListResponse: components["schemas"]["SuccessEnvelope"] & {
            data: components["schemas"]["ImageGenerationTask"][];
        };
        /**
         * @description The envelope of every error: a business `code` that goes with the HTTP status (see the platform's table
         *     in each error response), a `message` explaining the failure, and the `request_id`. No `data`.
         */
        ErrorResponse: {
            /** @description Business error code. */
            code: number;
            /** @description What went wrong; for 1201, which parameter and what is allowed. */
            message: string;
            /** @description Request id for support. */
            request_id: string;
        };
        /**
         * @description A reference image: either the raw Base64 encoding of a PNG or JPEG file (**without** a
         *     `data:image/...;base64,` prefix) or an `http(s)` URL the platform can fetch. The image must be a
         *     `.jpg/.jpeg/.png` of at most 10 MB (read as 10 MiB, 10,485,760 bytes; `maxLength` is its Base64 length),
         *     with both sides at least 300 px and an aspect ratio (width / height) from 1:2.5 to 2.5:1.
         */
        ImageInput: string;
        /** @description An element from the account's element library (a reusable subject or asset). */
        ElementReference: {
            /**
             * Format: int64
             * @description Element id from the element library.
             */
            element_id: number;
        };
        /**
         * @description Whether to also generate a watermarked variant of each result (`watermark_url`). Custom watermarks are
         *     not supported. Optional, and so is `enabled`: the platform documents the object as optional and does not
         *     say that `enabled` is required. klingkit reads an omitted `enabled` as `false`, its `default`: a request
         *     with `watermark_info: {}`, like one without `watermark_info`, generates no watermarked results, as
         *     `{"enabled": false}` does, and its task echoes `watermark_info: {"enabled": false}` (`WatermarkInfo`).
         */
        WatermarkInfoRequest: {
            /**
             * @description `true`: generate watermarked results as well; `false` (the default): do not.
             * @default false
             */
            enabled?: boolean;
        };
        /**
         * Format: uri
         * @description URL the platform POSTs the task object to on every status change of the task (see the operation's
         *     callbacks). Must be an absolute `http` or `https` URL.
         */
        CallbackUrl: string;
        /**
         * @description Creates an Image Generation task: text-to-image, or image-to-image with `image`. Fields with a default
         *     may be omitted. Unknown fields are rejected (400 / 1201), except the legacy `model`.
         */
        ImageGenerationCreateRequest: {
            /**
             * @description Model to use. An unknown model answers 404 / 1203 (requested resource does not exist).
             * @default kling-v1
             * @enum {string}
             */
            model_name?: "kling-v1" | "kling-v1-5" | "kling-v2" | "kling-v2-new" | "kling-v2-1" | "kling-v3";
            /**
             * @deprecated
             * @description Legacy name of `model_name`. The platform ignores it: a request that sends only `model` runs on the
             *     default model. Send `model_name` instead.
             */
            model?: string;
            /** @description Positive prompt, 1 to 2500 characters. */
            prompt: string;
            /** @description Negative prompt, up to 2500 characters. Not supported together with `image` (image-to-image). */
            negative_prompt?: string;
            image?: components["schemas"]["ImageInput"];
            /**
             * @description How `image` guides the result: `subject` (the subject of the image) or `face` (the face; the image
             *     must show exactly one face). Required when `model_name` is `kling-v1-5` and `image` is set; only
             *     meaningful with `image` (klingkit's reading: rejected without it).
             * @enum {string}
             */
            image_reference?: "subject" | "face";
            /**
             * @description How closely the result follows the reference image, 0 to 1. Only `kling-v1` and `kling-v1-5`.
             * @default 0.5
             */
            image_fidelity?: number;
            /**
             * @description Subject (facial) reference strength, 0 to 1. Only `kling-v1-5` with `image_reference` `subject`.
             * @default 0.45
             */
            human_fidelity?: number;
            /** @description Elements from the element library. Together with `image`, at most 10 references. */
            element_list?: components["schemas"]["ElementReference"][];
            /**
             * @description Output resolution. `4k` is an Omni-Image option only.
             * @default 1k
             * @enum {string}
             */
            resolution?: "1k" | "2k";
            /**
             * @description Number of images, 1 to 9; the task holds `n` concurrency slots until it ends. An integer: the string
             *     `"9"` of one official example is rejected.
             * @default 1
             */
            n?: number;
            /**
             * @description Aspect ratio (width:height) of the results. `21:9` is not available on `kling-v1`.
             * @default 16:9
             * @enum {string}
             */
            aspect_ratio?: "16:9" | "9:16" | "1:1" | "4:3" | "3:4" | "3:2" | "2:3" | "21:9";
            watermark_info?: components["schemas"]["WatermarkInfoRequest"];
            callback_url?: components["schemas"]["CallbackUrl"];
            external_task_id?: components["schemas"]["ExternalTaskId"];
        } & (unknown & unknown & unknown & unknown & unknown & unknown);
        /** @description The task a create call made, before any result. */
        CreatedTask: {
            task_id: components["schemas"]["TaskId"];
            task_status: components["schemas"]["TaskStatus"];
            task_info?: components["schemas"]["TaskInfo"];
            /**
             * Format: int64
             * @description Creation time, Unix milliseconds.
             */
            created_at: number;
            /**
             * Format: int64
             * @description Time of the last status change, Unix milliseconds.
             */
            updated_at: number;
        };
        /** @description The task made by a create call. */
        CreateTaskResponse: components["schemas"]["SuccessEnvelope"] & {
            data: components["schemas"]["CreatedTask"];
        };
        /** @description One Image Generation task. */
        ImageGenerationTaskResponse: components["schemas"]["SuccessEnvelope"] & {
            data: components["schemas"]["ImageGenerationTask"];
        };
        /** @description Results of an Omni-Image task; present once the task succeeded. */
        OmniImageTaskResult: {
            /**
             * @description The `result_type` of the request.
             * @enum {string}
             */
            result_type?: "single" | "series";
            /** @description The `n` result images of a `single` task; `n` is 1 to 9, so at most 9. */
            images?: components["schemas"]["TaskResultImage"][];
            /** @description The `series_amount` images of a `series` task; `series_amount` is 2 to 9, so at most 9. */
            series_images?: components["schemas"]["TaskResultImage"][];
        };
        /** @description An Omni-Image task as queries, lists and callbacks return it. */
        OmniImageTask: components["schemas"]["TaskBase"] & {
            task_result?: components["schemas"]["OmniImageTaskResult"];
        };
        /**
         * @description A page of Omni-Image tasks, newest first. `data` is a plain array: there is no total count or cursor, so a
         *     page shorter than `pageSize` (or empty) is the last one. With `external_task_id`, it holds the one match.
         */
        OmniImageTaskListResponse: components["schemas"]["SuccessEnvelope"] & {
            data: components["schemas"]["OmniImageTask"][];
        };
        /** @description One Omni-Image reference image, addressed from the prompt as `<<<image_N>>>` (N counts from 1). */
        OmniImageInput: {
            image: components["schemas"]["ImageInput"];
        };
        /**
         * @description Creates an Omni-Image task. Reference images and elements are addressed from the prompt by templates:
         *     `<<<image_1>>>` is the first item of `image_list`, `<<<element_1>>>` the first of `element_list`.
         *     Fields with a default may be omitted. Unknown fields are rejected (400 / 1201).
         */
        OmniImageCreateRequest: {
            /**
             * @description Model to use. An unknown model answers 404 / 1203 (requested resource does not exist).
             * @default kling-image-o1
             * @enum {string}
             */
            model_name?: "kling-image-o1" | "kling-v3-omni";
            /** @description Prompt, 1 to 2500 characters; may reference inputs as `<<<image_N>>>` and `<<<element_N>>>`. */
            prompt: string;
            /** @description Reference images. Together with `element_list`, at most 10 references. */
            image_list?: components["schemas"]["OmniImageInput"][];
            /** @description Elements from the element library. Together with `image_list`, at most 10 references. */
            element_list?: components["schemas"]["ElementReference"][];
            /**
             * @description Output resolution.
             * @default 1k
             * @enum {string}
             */
            resolution?: "1k" | "2k" | "4k";
            /**
             * @description `single`: `n` independent images. `series`: a coherent series of `series_amount` images.
             * @default single
             * @enum {string}
             */
            result_type?: "single" | "series";
            /**
             * @description Number of images, 1 to 9, when `result_type` is `single` (invalid with `series`).
             * @default 1
             */
            n?: number;
            /**
             * @description Number of series images, 2 to 9, when `result_type` is `series` (invalid with `single`).
             * @default 4
             */
            series_amount?: number;
            /**
             * @description Aspect ratio (width:height). `auto` lets the model choose from the inputs; when the result follows
             *     the aspect ratio of an input image, this parameter may have no effect.
             * @default auto
             * @enum {string}
             */
            aspect_ratio?: "16:9" | "9:16" | "1:1" | "4:3" | "3:4" | "3:2" | "2:3" | "21:9" | "auto";
            watermark_info?: components["schemas"]["WatermarkInfoRequest"];
            callback_url?: components["schemas"]["CallbackUrl"];
            external_task_id?: components["schemas"]["ExternalTaskId"];
        } & (unknown & unknown);
        /** @description One Omni-Image task. */
        OmniImageTaskResponse: components["schemas"]["SuccessEnvelope"] & {
            data: components["schemas"]["OmniImageTask"];
        };
    };
    responses: {
        /** @description Invalid request (1200: unreadable body; 1201: a parameter is wrong, the message names it) or a policy was triggered (1300 platform policy, 1301 content safety). Do not retry unchanged. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 1200 | 1201 | 1300 | 1301;
                };
            };
        };
        /** @description Authentication failed (1000), header missing (1001) or malformed (1002), token not yet valid (1003) or expired (1004). Re-sign the token for 1003/1004; fix the credentials otherwise. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 1000 | 1001 | 1002 | 1003 | 1004;
                };
            };
        };
        /** @description No permission for this endpoint or model (1103). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 1103;
                };
            };
        };
        /** @description Invalid request method or path (1202), or the requested resource does not exist (1203): an unknown task, or an unknown model_name. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 1202 | 1203;
                };
            };
        };
        /** @description Account errors (1100 account exception, 1101 arrears, 1102 resource pack used up: never retry) or limits (1302 rate limit, 1303 concurrency over the resource-pack limit: retry with exponential backoff from one second; 1304 IP allow-list: do not retry). Branch on code, not on the status. */
        TooManyRequests: {
            headers: {
                /** @description Seconds to wait before retrying, when the server suggests it. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 1100 | 1101 | 1102 | 1302 | 1303 | 1304;
                };
            };
        };
        /** @description Internal server error (5000). Retry with backoff; for a create, look the task up by external_task_id first. */
        InternalServerError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 5000;
                };
            };
        };
        /** @description Temporarily unavailable, e.g. maintenance (5001). Retry with backoff. */
        ServiceUnavailable: {
            headers: {
                /** @description Seconds to wait before retrying, when the server suggests it. */
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 5001;
                };
            };
        };
        /** @description Internal timeout, e.g. a task backlog (5002). Retry with backoff; for a create, look the task up by external_task_id first. */
        GatewayTimeout: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 5002;
                };
            };
        };
        /** @description The request body is larger than the server accepts (code 1200). The platform documents no size limit of its own beyond 10 MB per image; servers and proxies in front of it, and the klingkit mock, enforce one. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"] & {
                    /** @enum {unknown} */
                    code?: 1200;
                };
            };
        };
    };
    parameters: {
        /** @description Page number, 1 to 1000. */
        PageNum: number;
        /** @description Tasks per page, 1 to 500. */
        PageSize: number;
        /**
         * @description Query one task by the `external_task_id` given at create. The documentation lists `external_task_id`
         *     as an alternative to `task_id` without saying where it goes; klingkit reads it as this query parameter
         *     (the reading an SDK with integration tests reports). `data` is then a one-element array holding the
         *     task; an unknown id answers 404 / 1203. `pageNum` and `pageSize` are ignored with it.
         */
        ExternalTaskIdQuery: string;
        /**
         * @description The task's `task_id`. As a second reading of the documentation ("query by `task_id` or
         *     `external_task_id`"), an id that is no `task_id` of the account is looked up as an `external_task_id`
         *     of the same account.
         */
        TaskId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type SuccessEnvelope = components['schemas']['SuccessEnvelope'];
export type TaskId = components['schemas']['TaskId'];
export type TaskStatus = components['schemas']['TaskStatus'];
export type ExternalTaskId = components['schemas']['ExternalTaskId'];
export type TaskInfo = components['schemas']['TaskInfo'];
export type WatermarkInfo = components['schemas']['WatermarkInfo'];
export type TaskBase = components['schemas']['TaskBase'];
export type ResultUrl = components['schemas']['ResultUrl'];
export type TaskResultImage = components['schemas']['TaskResultImage'];
export type ImageGenerationTaskResult = components['schemas']['ImageGenerationTaskResult'];
export type ImageGenerationTask = components['schemas']['ImageGenerationTask'];
export type ImageGenerationTaskListResponse = components['schemas']['ImageGenerationTaskListResponse'];
export type ErrorResponse = components['schemas']['ErrorResponse'];
export type ImageInput = components['schemas']['ImageInput'];
export type ElementReference = components['schemas']['ElementReference'];
export type WatermarkInfoRequest = components['schemas']['WatermarkInfoRequest'];
export type CallbackUrl = components['schemas']['CallbackUrl'];
export type ImageGenerationCreateRequest = components['schemas']['ImageGenerationCreateRequest'];
export type CreatedTask = components['schemas']['CreatedTask'];
export type CreateTaskResponse = components['schemas']['CreateTaskResponse'];
export type ImageGenerationTaskResponse = components['schemas']['ImageGenerationTaskResponse'];
export type OmniImageTaskResult = components['schemas']['OmniImageTaskResult'];
export type OmniImageTask = components['schemas']['OmniImageTask'];
export type OmniImageTaskListResponse = components['schemas']['OmniImageTaskListResponse'];
export type OmniImageInput = components['schemas']['OmniImageInput'];
export type OmniImageCreateRequest = components['schemas']['OmniImageCreateRequest'];
export type OmniImageTaskResponse = components['schemas']['OmniImageTaskResponse'];
export type ResponseBadRequest = components['responses']['BadRequest'];
export type ResponseUnauthorized = components['responses']['Unauthorized'];
export type ResponseForbidden = components['responses']['Forbidden'];
export type ResponseNotFound = components['responses']['NotFound'];
export type ResponseTooManyRequests = components['responses']['TooManyRequests'];
export type ResponseInternalServerError = components['responses']['InternalServerError'];
export type ResponseServiceUnavailable = components['responses']['ServiceUnavailable'];
export type ResponseGatewayTimeout = components['responses']['GatewayTimeout'];
export type ResponsePayloadTooLarge = components['responses']['PayloadTooLarge'];
export type ParameterPageNum = components['parameters']['PageNum'];
export type ParameterPageSize = components['parameters']['PageSize'];
export type ParameterExternalTaskIdQuery = components['parameters']['ExternalTaskIdQuery'];
export type ParameterTaskId = components['parameters']['TaskId'];
export type $defs = Record<string, never>;
export interface operations {
    listImageGenerationTasks: {
        parameters: {
            query?: {
                /** @description Page number, 1 to 1000. */
                pageNum?: components["parameters"]["PageNum"];
                /** @description Tasks per page, 1 to 500. */
                pageSize?: components["parameters"]["PageSize"];
                /**
                 * @description Query one task by the `external_task_id` given at create. The documentation lists `external_task_id`
                 *     as an alternative to `task_id` without saying where it goes; klingkit reads it as this query parameter
                 *     (the reading an SDK with integration tests reports). `data` is then a one-element array holding the
                 *     task; an unknown id answers 404 / 1203. `pageNum` and `pageSize` are ignored with it.
                 */
                external_task_id?: components["parameters"]["ExternalTaskIdQuery"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageGenerationTaskListResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    createImageGenerationTask: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ImageGenerationCreateRequest"];
            };
        };
        responses: {
            /** @description The task was created, with task_status submitted. It carries no final_unit_deduction yet. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreateTaskResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getImageGenerationTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The task's `task_id`. As a second reading of the documentation ("query by `task_id` or
                 *     `external_task_id`"), an id that is no `task_id` of the account is looked up as an `external_task_id`
                 *     of the same account.
                 */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImageGenerationTaskResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    listOmniImageTasks: {
        parameters: {
            query?: {
                /** @description Page number, 1 to 1000. */
                pageNum?: components["parameters"]["PageNum"];
                /** @description Tasks per page, 1 to 500. */
                pageSize?: components["parameters"]["PageSize"];
                /**
                 * @description Query one task by the `external_task_id` given at create. The documentation lists `external_task_id`
                 *     as an alternative to `task_id` without saying where it goes; klingkit reads it as this query parameter
                 *     (the reading an SDK with integration tests reports). `data` is then a one-element array holding the
                 *     task; an unknown id answers 404 / 1203. `pageNum` and `pageSize` are ignored with it.
                 */
                external_task_id?: components["parameters"]["ExternalTaskIdQuery"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tasks. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OmniImageTaskListResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    createOmniImageTask: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OmniImageCreateRequest"];
            };
        };
        responses: {
            /** @description The task was created, with task_status submitted. It carries no final_unit_deduction yet. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreateTaskResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
    getOmniImageTask: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /**
                 * @description The task's `task_id`. As a second reading of the documentation ("query by `task_id` or
                 *     `external_task_id`"), an id that is no `task_id` of the account is looked up as an `external_task_id`
                 *     of the same account.
                 */
                id: components["parameters"]["TaskId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The task. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OmniImageTaskResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalServerError"];
            503: components["responses"]["ServiceUnavailable"];
            504: components["responses"]["GatewayTimeout"];
        };
    };
}
