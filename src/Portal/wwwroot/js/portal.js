// Small browser helpers the portal calls through JS interop.
window.portal = {
  setTheme(dark) {
    document.cookie = `portal-theme=${dark ? "dark" : "light"}; path=/; max-age=31536000; samesite=lax`;
    document.body.classList.toggle("portal-dark", dark);
    document.body.classList.toggle("portal-light", !dark);
  },
};
