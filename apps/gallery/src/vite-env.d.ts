interface ImportMetaEnv {
  readonly VITE_KLING_BASE_URL?: string;
  readonly VITE_KLING_ACCESS_KEY?: string;
  readonly VITE_KLING_SECRET_KEY?: string;
}
